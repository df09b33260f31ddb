/**
 * Declared date formats for timestamp columns (`"format": "MM/DD/YYYY"`): exports from CRMs and
 * spreadsheets write dates that ISO 8601 parsing cannot read, and `03/04/2021` is March or April only
 * by the exporter's convention, so the mapping says which. A value that does not match is invalid:
 * guessing would put some rows a month off without a word.
 */

/** A compiled format: the value as integer Unix milliseconds, or null when it does not match. */
export type DateParser = (raw: unknown) => number | null

const TOKENS = ['YYYY', 'MM', 'DD', 'HH', 'mm', 'ss'] as const
type Token = (typeof TOKENS)[number]

/** What a bad format or zone is; the mapping parser names the file and column around it. */
export class DateFormatError extends Error {}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/** The tokens in order and the regex that captures them; any other character must appear as written. */
function compilePattern(format: string): {regex: RegExp; order: Token[]} {
  const order: Token[] = []
  let source = ''
  let at = 0
  while (at < format.length) {
    const token = TOKENS.find((t) => format.startsWith(t, at))
    if (token === undefined) {
      if (/[A-Za-z]/.test(format[at])) {
        throw new DateFormatError(`unknown token at '${format.slice(at)}' in format "${format}" (tokens: ${TOKENS.join(', ')}; other characters are matched as written)`)
      }
      source += escape(format[at])
      at++
      continue
    }
    if (order.includes(token)) throw new DateFormatError(`format "${format}" has ${token} twice`)
    order.push(token)
    // Exports often drop leading zeros (3/7/2021), so the two-digit fields take one or two digits.
    source += token === 'YYYY' ? '(\\d{4})' : '(\\d{1,2})'
    at += token.length
  }
  for (const needed of ['YYYY', 'MM', 'DD'] as const) {
    if (!order.includes(needed)) throw new DateFormatError(`format "${format}" needs YYYY, MM and DD`)
  }
  return {regex: new RegExp(`^${source}$`), order}
}

const FIXED_OFFSET = /^([+-])(\d{2}):?(\d{2})$/

/** Milliseconds to subtract from a wall-clock time (read as if UTC) to get UTC, for the given zone. */
function zoneOffset(timezone: string | undefined): (wallMs: number) => number {
  if (timezone === undefined || timezone === 'UTC' || timezone === 'Z') return () => 0
  const fixed = FIXED_OFFSET.exec(timezone)
  if (fixed !== null) {
    const hours = Number(fixed[2])
    const minutes = Number(fixed[3])
    if (hours > 23 || minutes > 59) throw new DateFormatError(`timezone "${timezone}" is not a valid offset`)
    const ms = (fixed[1] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000
    return () => ms
  }
  let formatter: Intl.DateTimeFormat
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
  } catch {
    throw new DateFormatError(`unknown timezone "${timezone}" (use an IANA name such as "America/New_York", an offset such as "+02:00", or "UTC")`)
  }
  const offsetAt = (utcMs: number): number => {
    const parts: Record<string, number> = {}
    for (const part of formatter.formatToParts(utcMs)) if (part.type !== 'literal') parts[part.type] = Number(part.value)
    const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second)
    return wall - Math.floor(utcMs / 1000) * 1000
  }
  // Twice: the offset at the guessed instant may differ across a daylight-saving change.
  return (wallMs) => offsetAt(wallMs - offsetAt(wallMs))
}

/** Compiles a format and an optional timezone (default UTC, as for ISO dates without a zone). */
export function compileDateFormat(format: string, timezone?: string): DateParser {
  const {regex, order} = compilePattern(format)
  const offset = zoneOffset(timezone)
  return (raw) => {
    if (typeof raw !== 'string') return null
    const match = regex.exec(raw.trim())
    if (match === null) return null
    const value: Record<Token, number> = {YYYY: 0, MM: 1, DD: 1, HH: 0, mm: 0, ss: 0}
    order.forEach((token, i) => (value[token] = Number(match[i + 1])))
    const {YYYY: year, MM: month, DD: day, HH: hour, mm: minute, ss: second} = value
    if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null
    const wall = Date.UTC(year, month - 1, day, hour, minute, second)
    // Date.UTC rolls 02/30 over into March; a date that does not exist is a typo, not a date.
    const check = new Date(wall)
    if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return null
    return wall - offset(wall)
  }
}
