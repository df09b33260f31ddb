import {hash} from 'node:crypto'
import {encodeTime, TIME_LEN, ulid} from 'ulid'
import {ULID_PATTERN} from '../cio/limits.js'

/*
 * The id Customer.io dedupes events on is derived from where the row sits (seed = the input's
 * fingerprint, line) instead of drawn at random: a retry, a resume or a crash-and-resume re-sends the
 * row with the same id, so Customer.io drops the repeat. It is a plain ULID: 48 bits of time (the
 * event's own time, so ids sort like the events) and 80 bits of sha256(seed:line).
 *
 * The ulid package encodes; we only feed it a "PRNG" that hands out the digest 5 bits at a time
 * (ulid turns each call into one base32 character as floor(prng() * 32)). It is module state rather
 * than a closure per row because this runs once per event row.
 */
let digest: Buffer = Buffer.alloc(32)
let bitOffset = 0

function digestBits(): number {
  const byte = bitOffset >> 3
  const value = (((digest[byte]! << 8) | digest[byte + 1]!) >> (11 - (bitOffset & 7))) & 31
  bitOffset += 5
  return value / 32
}

const ZERO_TIME = encodeTime(0, TIME_LEN)

export function deriveEventId(seed: string, line: number, timeMs?: number): string {
  const time = timeMs === undefined || timeMs <= 0 ? 0 : Math.floor(timeMs)
  digest = hash('sha256', `${seed}:${line}`, 'buffer')
  bitOffset = 0
  // ulid() reads a seed time of 0 as "now", which would make the id depend on the clock: encode 0 ourselves.
  if (time === 0) return ZERO_TIME + ulid(1, digestBits).slice(TIME_LEN)
  return ulid(time, digestBits)
}

export function isEventId(value: unknown): value is string {
  return typeof value === 'string' && ULID_PATTERN.test(value)
}
