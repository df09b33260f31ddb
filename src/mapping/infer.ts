import {JsonNumber} from '../source/json-number.js'
import {parseIsoDateMs} from './timestamps.js'

export type ValueType = 'string' | 'number' | 'boolean' | 'timestamp' | 'json'

/** A number that survives a round trip: no leading zeros ("00123" is an id, not 123), no "+", no hex. */
const PLAIN_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/
/** At most five characters, so longer text skips the lower-casing. */
const BOOLEAN_WORDS = new Set(['true', 'false'])

/** 2000-01-01 .. 2100-01-01 in seconds: integers in this band (or the same band in ms) read as dates. */
const PLAUSIBLE_FROM = 946_684_800
const PLAUSIBLE_TO = 4_102_444_800

function plausibleEpoch(value: number): boolean {
  if (!Number.isInteger(value)) return false
  return (
    (value >= PLAUSIBLE_FROM && value < PLAUSIBLE_TO) ||
    (value >= PLAUSIBLE_FROM * 1000 && value < PLAUSIBLE_TO * 1000)
  )
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39
}

function startsLikeDate(text: string): boolean {
  return text.charCodeAt(4) === 0x2d && isDigit(text.charCodeAt(0)) && isDigit(text.charCodeAt(1)) && isDigit(text.charCodeAt(2)) && isDigit(text.charCodeAt(3))
}

/**
 * The type a value looks like, for validate's attribute report and the mapping generator's guesses.
 * A heuristic on one value: callers aggregate over a column before deciding anything.
 */
export function inferValueType(value: unknown): ValueType {
  switch (typeof value) {
    case 'boolean':
      return 'boolean'
    case 'number':
      return plausibleEpoch(value) ? 'timestamp' : 'number'
    case 'object':
      if (value instanceof JsonNumber) return 'number'
      return value === null ? 'string' : 'json'
    case 'string':
      break
    default:
      return 'string'
  }
  const text = value as string
  if (text === '') return 'string'
  // Four digits and a dash (2024-...): no boolean word, number or JSON starts so; only a date can.
  if (startsLikeDate(text)) return parseIsoDateMs(text) !== null ? 'timestamp' : 'string'
  if (text.length <= 5 && BOOLEAN_WORDS.has(text.toLowerCase())) return 'boolean'
  if (PLAIN_NUMBER.test(text)) {
    const n = Number(text)
    // Beyond 2^53 digits are lost on the way to a number: keep long digit strings (ids, card numbers) as text.
    if (!Number.isSafeInteger(n) && !text.includes('.') && !/[eE]/.test(text)) return 'string'
    return plausibleEpoch(n) ? 'timestamp' : 'number'
  }
  if (parseIsoDateMs(text) !== null) return 'timestamp'
  const first = text[0]
  if (first === '{' || first === '[') {
    try {
      JSON.parse(text)
      return 'json'
    } catch {
      return 'string'
    }
  }
  return 'string'
}
