/**
 * A 64-bit non-cryptographic hash of a string, as two 32-bit halves, for counting repeated
 * identifiers without keeping the identifiers. Two multiplicative lanes over the UTF-16 code units
 * (a one-to-one encoding of the text, so equal strings hash equally and the UTF-8 bytes need not be
 * built), then an avalanche that mixes each lane into the other (the cyrb53 construction, kept at
 * 64 bits). At 10 million distinct keys the chance that any two collide is about n²/2^65 ≈ 3·10⁻⁶.
 */
export function hash64Into(text: string, out: Uint32Array): void {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2_654_435_761)
    h2 = Math.imul(h2 ^ ch, 1_597_334_677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2_246_822_507)
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3_266_489_909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2_246_822_507)
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3_266_489_909)
  out[0] = h1 >>> 0
  out[1] = h2 >>> 0
}
