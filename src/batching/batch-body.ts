const OPEN = Buffer.from('{"batch":[', 'latin1')
const COMMA = 0x2c
const CLOSE_BRACKET = 0x5d
const CLOSE_BRACE = 0x7d
/** Most v2 bodies fill up to the body limit; start big enough for small ones without growing often. */
const MIN_CAPACITY = 16 * 1024

/**
 * A v2 request body, `{"batch":[e0,e1,...]}`, written as UTF-8 bytes while entries are added, so a
 * request never exists as one big string to encode again (a 500 KB join, its byte count, and undici's
 * own encoding were a fifth of an import). `offsets[i]` is where entry i starts; entry i ends one byte
 * before `offsets[i + 1]` (at its comma, or at the closing bracket), so any run of entries can be cut
 * out again (a 400 split in halves, a v1 request of one entry, a per-entry failure report).
 *
 * The bytes live in their own ArrayBuffer (never Node's shared pool) so a body can be transferred
 * between threads.
 */
export class BatchBody {
  private buffer: Buffer
  private length = OPEN.length
  private readonly starts: number[] = []
  private closedOffsets: Uint32Array | null = null

  /**
   * `capacity`: bytes to reserve at first (the body grows when needed). `reuse`: the bytes of a body that
   * is done with (see BodyPool), written over when it is big enough.
   */
  constructor(capacity = MIN_CAPACITY, reuse?: ArrayBuffer) {
    const size = Math.max(capacity, OPEN.length + 2)
    this.buffer = reuse && reuse.byteLength >= size ? Buffer.from(reuse) : Buffer.allocUnsafeSlow(size)
    OPEN.copy(this.buffer, 0)
  }

  /** The memory the body's bytes live in, e.g. to hand it back to a BodyPool once the body was delivered. */
  get arrayBuffer(): ArrayBuffer {
    return this.buffer.buffer as ArrayBuffer
  }

  /** A closed body from its parts (e.g. received from another thread). */
  static fromParts(bytes: Uint8Array, offsets: Uint32Array): BatchBody {
    const body = new BatchBody(0)
    body.buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    body.length = bytes.byteLength
    body.closedOffsets = offsets
    return body
  }

  /** Entries in the body. */
  get count(): number {
    return this.closedOffsets ? this.closedOffsets.length - 1 : this.starts.length
  }

  /** The body's size in bytes as sent (as it is now, if it were closed now). */
  get byteLength(): number {
    if (this.closedOffsets) return this.length
    // Every entry is followed by a comma while open; the last one becomes `]`, then `}`.
    return this.starts.length === 0 ? OPEN.length + 2 : this.length + 1
  }

  /**
   * Append one serialised entry. `bytes` is its exact UTF-8 length (the mapping measured it already).
   * Throws when the body is closed.
   */
  add(json: string, bytes: number): void {
    if (this.closedOffsets) throw new Error('BatchBody: add after close')
    this.reserve(this.length + bytes + 2)
    const written = this.buffer.write(json, this.length, 'utf8')
    if (written !== bytes) throw new Error(`BatchBody: entry is ${written} bytes, not the ${bytes} measured`)
    this.starts.push(this.length)
    this.length += written
    this.buffer[this.length++] = COMMA
  }

  /** Finish the body: no entry can be added after this. Idempotent. */
  close(): this {
    if (this.closedOffsets) return this
    const offsets = new Uint32Array(this.starts.length + 1)
    for (let i = 0; i < this.starts.length; i++) offsets[i] = this.starts[i]
    if (this.starts.length === 0) {
      this.reserve(OPEN.length + 2)
      this.buffer[this.length++] = CLOSE_BRACKET
      offsets[0] = this.length
    } else {
      // The last entry's comma becomes the closing bracket: the end offset stays one past it.
      this.buffer[this.length - 1] = CLOSE_BRACKET
      offsets[this.starts.length] = this.length
    }

    this.buffer[this.length++] = CLOSE_BRACE
    this.closedOffsets = offsets
    this.starts.length = 0
    return this
  }

  /** The request body's bytes; closes the body. */
  get bytes(): Buffer {
    this.close()
    return this.buffer.subarray(0, this.length)
  }

  /** Where each entry starts, then one past the end of the last one (its bracket); closes the body. */
  get offsets(): Uint32Array {
    return this.close().closedOffsets!
  }

  /** Entry `index` as text (a v1 request, a debug log). */
  entry(index: number): string {
    const offsets = this.offsets
    return this.buffer.toString('utf8', offsets[index], offsets[index + 1] - 1)
  }

  /** A new closed body of entries [from, to), in order: the entries' bytes are copied once, untouched. */
  slice(from: number, to: number): BatchBody {
    if (from >= to) return new BatchBody(0).close()
    const offsets = this.offsets
    const start = offsets[from]
    const end = offsets[to] - 1
    const part = new BatchBody(OPEN.length + (end - start) + 2)
    this.buffer.copy(part.buffer, OPEN.length, start, end)
    part.length = OPEN.length + (end - start) + 1
    for (let i = from; i < to; i++) part.starts.push(offsets[i] - start + OPEN.length)
    return part.close()
  }

  private reserve(needed: number): void {
    if (needed <= this.buffer.length) return
    const grown = Buffer.allocUnsafeSlow(Math.max(needed, this.buffer.length * 2))
    this.buffer.copy(grown, 0, 0, this.length)
    this.buffer = grown
  }
}

/**
 * Bodies' memory for reuse. Without it, each 500 KB body is a fresh allocation outside V8's heap that a thread
 * which makes little garbage of its own (the sending thread) frees only at its next full collection: hundreds
 * of megabytes waited for it at a million rows. With it, the import holds as many bodies as are in flight.
 */
export class BodyPool {
  private readonly free: ArrayBuffer[] = []

  constructor(private readonly keep = 32) {}

  take(): ArrayBuffer | undefined {
    return this.free.pop()
  }

  give(buffer: ArrayBuffer): void {
    if (this.free.length < this.keep && buffer.byteLength > 0) this.free.push(buffer)
  }
}
