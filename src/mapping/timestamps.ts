import {parseCanonicalIsoMs} from './canonical-iso.js'

/**
 * Timestamps arrive as ISO 8601 text, Unix seconds or Unix milliseconds; Customer.io wants integer
 * Unix seconds (cio-api.md §5). The unit of a number is told by its magnitude: 1e11 seconds is the
 * year 5138, while 1e11 milliseconds is 1973, so nothing real sits on the wrong side of that line.
 */

const MS_THRESHOLD = 1e11
/** 9999-12-31T23:59:59.999Z: beyond it a value is a unit mistake (microseconds, nanoseconds), not a date. */
const MAX_ABS_MS = 253_402_300_799_999
/** 2009-01-01T00:00:00Z, before Customer.io existed: a backfill date earlier than that is usually a unit slip. */
export const SERVICE_EPOCH_SECONDS = 1_230_768_000
const YEAR_SECONDS = 365 * 86_400

const NUMERIC = /^[+-]?\d+(?:\.\d+)?$/
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:\s*([Zz]|[+-]\d{2}(?::?\d{2})?))?)?$/

function fromNumber(value: number): number | null {
  if (!Number.isFinite(value)) return null
  const ms = Math.abs(value) >= MS_THRESHOLD ? value : value * 1000
  if (Math.abs(ms) > MAX_ABS_MS) return null
  return Math.floor(ms)
}

function zoneOffsetMinutes(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z' || zone === 'z') return 0
  const sign = zone[0] === '-' ? -1 : 1
  const hours = Number(zone.slice(1, 3))
  const minutes = zone.length > 3 ? Number(zone.slice(zone.length - 2)) : 0
  return sign * (hours * 60 + minutes)
}

function fromIso(match: RegExpExecArray): number | null {
  const year = Number(match[1])
  const month = Number(match[2])
  const day = Number(match[3])
  const hour = match[4] === undefined ? 0 : Number(match[4])
  const minute = match[5] === undefined ? 0 : Number(match[5])
  const second = match[6] === undefined ? 0 : Number(match[6])
  const millis = match[7] === undefined ? 0 : Number(match[7].slice(0, 3).padEnd(3, '0'))
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null
  const zone = match[8]
  if (zone !== undefined && zone.length > 1 && (Number(zone.slice(1, 3)) > 23 || (zone.length > 3 && Number(zone.slice(-2)) > 59))) {
    return null
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis)
  // Date.UTC rolls 2023-02-30 over into March; a date that does not exist is a typo, not a date.
  const check = new Date(utc)
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return null
  // A time without a zone is read as UTC: local time would make the same file import differently per laptop.
  return utc - zoneOffsetMinutes(zone) * 60_000
}

/*
 * The last text read and what it gave. Validate reads a cell twice in a row: for the mapper and then
 * its timestamp checks (typed columns), or for type inference and then the checks (untyped columns);
 * the second read is this comparison (the same string object, so usually a pointer compare) instead
 * of a second parse. Only values that came from parseTimestampMs, or ISO dates (which read the same
 * there), are kept.
 */
let lastText: string | undefined
let lastMs: number | null = null

/** Integer Unix milliseconds, or null when the value is no timestamp we can read. */
export function parseTimestampMs(raw: unknown): number | null {
  if (typeof raw === 'number') return fromNumber(raw)
  if (typeof raw !== 'string') return null
  if (raw === lastText) return lastMs
  // Canonical ISO text has no spaces and is never numeric: the fast path may go before both.
  const ms = parseCanonicalIsoMs(raw) ?? parseTimestampMsStrict(raw)
  lastText = raw
  lastMs = ms
  return ms
}

/** The strict path alone, without the fast path: what test/mapping/canonical-iso.test.ts compares it with. */
export function parseTimestampMsStrict(raw: string): number | null {
  const text = raw.trim()
  if (NUMERIC.test(text)) return fromNumber(Number(text))
  const match = ISO_8601.exec(text)
  return match === null ? null : fromIso(match)
}

/** Unix milliseconds for ISO 8601 text (numbers are not dates here), or null: one parse, for type inference. */
export function parseIsoDateMs(raw: string): number | null {
  let ms: number | null | undefined = parseCanonicalIsoMs(raw)
  if (ms === undefined) {
    const match = ISO_8601.exec(raw.trim())
    ms = match === null ? null : fromIso(match)
  }
  // A date that reads as ISO reads the same in parseTimestampMs (ISO text is never numeric): keep it for the checks.
  if (ms !== null) {
    lastText = raw
    lastMs = ms
  }
  return ms
}

/** Integer Unix seconds, as Customer.io wants them, or null when unreadable. */
export function parseTimestamp(raw: unknown): number | null {
  const ms = parseTimestampMs(raw)
  return ms === null ? null : Math.floor(ms / 1000)
}

/** Whether the raw value is a plain number (or numeric text) rather than a date string. */
export function isNumericTimestamp(raw: unknown): boolean {
  if (typeof raw === 'number') return true
  if (typeof raw !== 'string') return false
  // A digit first and a dash at 4 (2024-...): the dash is no sign, so not numeric, without the regex.
  const first = raw.charCodeAt(0)
  if (first >= 0x30 && first <= 0x39 && raw.charCodeAt(4) === 0x2d) return false
  return NUMERIC.test(raw.trim())
}

export type TimestampSuspicion = 'milliseconds' | 'far_future' | 'before_2009'

export interface SuspicionOptions {
  /** Reference "now" in ms (tests pin it). */
  nowMs?: number
  /** How far ahead of now a date may lie before it counts as far future; default one year. */
  futureSeconds?: number
}

/**
 * Why a readable timestamp still looks wrong, or null. `raw` is the value as read, `seconds` what
 * parseTimestamp made of it. Milliseconds are converted on import, but the source used the wrong unit
 * for Customer.io, so validate says so (an untyped column of them would land as useless strings).
 */
export function suspiciousTimestamp(raw: unknown, seconds: number, options: SuspicionOptions = {}): TimestampSuspicion | null {
  if (isNumericTimestamp(raw) && Math.abs(Number(typeof raw === 'string' ? raw.trim() : raw)) >= MS_THRESHOLD) {
    return 'milliseconds'
  }
  const now = (options.nowMs ?? Date.now()) / 1000
  if (seconds > now + (options.futureSeconds ?? YEAR_SECONDS)) return 'far_future'
  if (seconds < SERVICE_EPOCH_SECONDS) return 'before_2009'
  return null
}
