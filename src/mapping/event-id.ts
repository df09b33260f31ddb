import {hash} from 'node:crypto'
import {encodeTime, TIME_LEN, TIME_MAX, ulid} from 'ulid'
import {ULID_PATTERN} from '../cio/limits.js'

/*
 * The id Customer.io dedupes events on is derived from where the row sits (seed = the input's
 * fingerprint, line) instead of drawn at random: a retry, a resume or a crash-and-resume re-sends the
 * row with the same id, so Customer.io drops the repeat. It is a plain ULID: 48 bits of time (the
 * event's own time, so ids sort like the events, 0 when there is none) and 80 bits that depend on the
 * seed and the line only.
 *
 * Two schemes make those 80 bits, and a run keeps the one it started with (RunConfig.eventIdScheme):
 * a resume after an upgrade must re-send the ids the run already sent, or Customer.io stores the
 * rows twice.
 *   1: sha256(`${seed}:${line}`), one hash per row (about 18% of an events import).
 *   2: sha256(seed) once per file gives 16 bits and four round keys; the other 64 bits are the line
 *      through a keyed four-round Feistel network on two 32-bit halves. A Feistel network is a
 *      bijection whatever its round function, so two lines of one file can never share an id; another
 *      file's seed gives other keys and other top bits.
 */
export type EventIdScheme = 1 | 2

/** The scheme new runs (and everything without a recorded scheme of its own) use. */
export const EVENT_ID_SCHEME: EventIdScheme = 2

/** One file's derivation: the id for a line and the event's time in ms (absent or <= 0: time part 0). */
export type EventIdDeriver = (line: number, timeMs?: number) => string

export function eventIdDeriver(seed: string, scheme: EventIdScheme = EVENT_ID_SCHEME): EventIdDeriver {
  return scheme === 1 ? (line, timeMs) => sha256EventId(seed, line, timeMs) : feistelDeriver(seed)
}

/** One id, deriving the file's keys on every call: for tests and one-off use, not per row. */
export function deriveEventId(seed: string, line: number, timeMs?: number, scheme: EventIdScheme = EVENT_ID_SCHEME): string {
  return eventIdDeriver(seed, scheme)(line, timeMs)
}

export function isEventId(value: unknown): value is string {
  return typeof value === 'string' && ULID_PATTERN.test(value)
}

function timeOf(timeMs: number | undefined): number {
  return timeMs === undefined || timeMs <= 0 ? 0 : Math.floor(timeMs)
}

// Scheme 1. The ulid package encodes; we only feed it a "PRNG" that hands out the digest 5 bits at a
// time (ulid turns each call into one base32 character as floor(prng() * 32)). It is module state
// rather than a closure per row because this runs once per event row.
let digest: Buffer = Buffer.alloc(32)
let bitOffset = 0

function digestBits(): number {
  const byte = bitOffset >> 3
  const value = (((digest[byte]! << 8) | digest[byte + 1]!) >> (11 - (bitOffset & 7))) & 31
  bitOffset += 5
  return value / 32
}

const ZERO_TIME = encodeTime(0, TIME_LEN)

function sha256EventId(seed: string, line: number, timeMs?: number): string {
  const time = timeOf(timeMs)
  digest = hash('sha256', `${seed}:${line}`, 'buffer')
  bitOffset = 0
  // ulid() reads a seed time of 0 as "now", which would make the id depend on the clock: encode 0 ourselves.
  if (time === 0) return ZERO_TIME + ulid(1, digestBits).slice(TIME_LEN)
  return ulid(time, digestBits)
}

// Scheme 2.
const CODES = Uint8Array.from('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (c) => c.charCodeAt(0))
const TWO_25 = 2 ** 25
const TWO_32 = 2 ** 32

/** murmur3's 32-bit finaliser: every input bit moves every output bit. */
function fmix32(x: number): number {
  x ^= x >>> 16
  x = Math.imul(x, 0x85eb_ca6b)
  x ^= x >>> 13
  x = Math.imul(x, 0xc2b2_ae35)
  return (x ^ (x >>> 16)) >>> 0
}

function feistelDeriver(seed: string): EventIdDeriver {
  const key = hash('sha256', seed, 'buffer')
  const k0 = key.readUInt32BE(0)
  const k1 = key.readUInt32BE(4)
  const k2 = key.readUInt32BE(8)
  const k3 = key.readUInt32BE(12)
  // The random part's top 16 bits are the file's own: its first three characters never change.
  const top = key.readUInt16BE(16)
  const c = CODES
  const p0 = c[top >>> 11]!
  const p1 = c[(top >>> 6) & 31]!
  const p2 = c[(top >>> 1) & 31]!
  const topBit = (top & 1) << 4
  // The time's first five characters (2^25 ms, about 9 hours, a step) rarely change between rows.
  let lastHigh = -1
  let highText = ''

  return (line, timeMs) => {
    const time = timeOf(timeMs)
    // Beyond 48 bits: ulid's own encoder throws its error, as in scheme 1 (no parsed timestamp gets there).
    if (time > TIME_MAX) return encodeTime(time, TIME_LEN)
    // Two 25-bit halves of the time: plain 32-bit integer math, characters as ulid's encodeTime writes them.
    const high = Math.floor(time / TWO_25)
    const low = time - high * TWO_25
    if (high !== lastHigh) {
      highText = String.fromCharCode(c[(high >>> 20) & 31]!, c[(high >>> 15) & 31]!, c[(high >>> 10) & 31]!, c[(high >>> 5) & 31]!, c[high & 31]!)
      lastHigh = high
    }
    // Lines are positive integers below 2^53: two 32-bit halves.
    let left = Math.floor(line / TWO_32) >>> 0
    let right = line >>> 0
    let t = (left ^ fmix32(right ^ k0)) >>> 0
    left = right
    right = t
    t = (left ^ fmix32(right ^ k1)) >>> 0
    left = right
    right = t
    t = (left ^ fmix32(right ^ k2)) >>> 0
    left = right
    right = t
    t = (left ^ fmix32(right ^ k3)) >>> 0
    const b = right
    const d = t
    // Then 80 bits = top (16) | b (32) | d (32), five bits a character.
    return (
      highText +
      String.fromCharCode(
        c[(low >>> 20) & 31]!, c[(low >>> 15) & 31]!, c[(low >>> 10) & 31]!, c[(low >>> 5) & 31]!, c[low & 31]!,
        p0, p1, p2, c[topBit | (b >>> 28)]!, c[(b >>> 23) & 31]!, c[(b >>> 18) & 31]!, c[(b >>> 13) & 31]!, c[(b >>> 8) & 31]!, c[(b >>> 3) & 31]!,
        c[((b & 7) << 2) | (d >>> 30)]!, c[(d >>> 25) & 31]!, c[(d >>> 20) & 31]!, c[(d >>> 15) & 31]!, c[(d >>> 10) & 31]!, c[(d >>> 5) & 31]!, c[d & 31]!,
      )
    )
  }
}
