/**
 * A hand-written reader for the ISO 8601 forms exports write nearly always: `YYYY-MM-DD`,
 * `YYYY-MM-DDTHH:MM:SS`, with an optional fraction (`.f` to `.fffffffff`) and an optional zone (`Z`
 * or `+HH:MM` / `-HH:MM`). The strict regular expression in timestamps.ts costs about three times as
 * much per value, and validate reads every date of a file.
 *
 * It answers only when it is sure: anything else (another separator, a lower-case `t` or `z`, a
 * comma, `+HHMM`, spaces, a field out of range, a date that does not exist, a year before 100, which
 * Date.UTC would read as 19xx) gives undefined, and the strict path decides, rejections and their
 * messages included. test/mapping/canonical-iso.test.ts checks both agree on generated inputs.
 */

const ZERO = 48
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** Two ASCII digits at `at` as a number, or -1. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - ZERO
  const b = text.charCodeAt(at + 1) - ZERO
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil): what Date.UTC
 * computes for years from 100 on, in integer arithmetic without a call into the runtime.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}

function daysIn(year: number, month: number): number {
  if (month !== 2) return DAYS_IN_MONTH[month]!
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
}

/** Unix milliseconds for a canonical ISO 8601 text, or undefined when the strict path must decide. */
export function parseCanonicalIsoMs(text: string): number | undefined {
  const length = text.length
  if (length < 10 || text.charCodeAt(4) !== 0x2d || text.charCodeAt(7) !== 0x2d) return undefined
  const century = twoDigits(text, 0)
  const yearInCentury = twoDigits(text, 2)
  const month = twoDigits(text, 5)
  const day = twoDigits(text, 8)
  if (century < 1 || yearInCentury < 0 || month < 1 || month > 12 || day < 1) return undefined
  const year = century * 100 + yearInCentury
  if (day > daysIn(year, month)) return undefined
  const midnight = daysFromCivil(year, month, day) * 86_400_000
  if (length === 10) return midnight

  // THH:MM:SS
  if (length < 19 || text.charCodeAt(10) !== 0x54 || text.charCodeAt(13) !== 0x3a || text.charCodeAt(16) !== 0x3a) return undefined
  const hour = twoDigits(text, 11)
  const minute = twoDigits(text, 14)
  const second = twoDigits(text, 17)
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined

  let at = 19
  let millis = 0
  if (text.charCodeAt(at) === 0x2e) {
    // 1 to 9 digits; the first three are the milliseconds (".5" is 500), the rest are cut.
    const start = ++at
    while (at < length && at - start < 10) {
      const d = text.charCodeAt(at) - ZERO
      if (d < 0 || d > 9) break
      if (at - start < 3) millis = millis * 10 + d
      at++
    }
    const digits = at - start
    if (digits === 0 || digits > 9) return undefined
    if (digits === 1) millis *= 100
    else if (digits === 2) millis *= 10
  }

  const utc = midnight + hour * 3_600_000 + minute * 60_000 + second * 1000 + millis
  if (at === length) return utc
  const zone = text.charCodeAt(at)
  if (zone === 0x5a) return at + 1 === length ? utc : undefined
  if ((zone !== 0x2b && zone !== 0x2d) || at + 6 !== length || text.charCodeAt(at + 3) !== 0x3a) return undefined
  const offsetHours = twoDigits(text, at + 1)
  const offsetMinutes = twoDigits(text, at + 4)
  if (offsetHours < 0 || offsetHours > 23 || offsetMinutes < 0 || offsetMinutes > 59) return undefined
  // The same arithmetic as the strict path, so the results are the same numbers.
  return utc - (zone === 0x2d ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000
}
