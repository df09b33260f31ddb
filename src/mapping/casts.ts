import {JsonNumber, stringifyExact} from '../source/json-number.js'
import {parseJsonCell} from '../source/json-text.js'
import type {ColumnType} from './mapping-file.js'
import {parseTimestamp} from './timestamps.js'

/** Returned instead of a value when a cast fails; a sentinel saves an allocation per cell. */
export const CAST_FAILED: unique symbol = Symbol('cast failed')

const NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const TRUE_WORDS = new Set(['true', 'yes', 'y', 't', '1'])
const FALSE_WORDS = new Set(['false', 'no', 'n', 'f', '0'])

function toNumber(raw: unknown): number | JsonNumber | typeof CAST_FAILED {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : CAST_FAILED
  // A big NDJSON number stays a number with its digits; text that casts goes through Number() as before.
  if (raw instanceof JsonNumber) return raw
  if (typeof raw !== 'string') return CAST_FAILED
  const text = raw.trim()
  return NUMBER_TEXT.test(text) ? Number(text) : CAST_FAILED
}

function toBoolean(raw: unknown): boolean | typeof CAST_FAILED {
  if (typeof raw === 'boolean') return raw
  if (raw === 1 || raw === 0) return raw === 1
  if (typeof raw !== 'string') return CAST_FAILED
  const word = raw.trim().toLowerCase()
  if (TRUE_WORDS.has(word)) return true
  if (FALSE_WORDS.has(word)) return false
  return CAST_FAILED
}

function toJson(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw
  try {
    return parseJsonCell(raw)
  } catch {
    return CAST_FAILED
  }
}

function toText(raw: unknown): string {
  if (typeof raw === 'string') return raw
  if (raw instanceof JsonNumber) return raw.text
  if (typeof raw === 'object') return stringifyExact(raw)
  return String(raw)
}

/** Casts one non-empty value to a column type; timestamps become integer Unix seconds. */
export function castValue(raw: unknown, type: ColumnType): unknown {
  switch (type) {
    case 'string':
      return toText(raw)
    case 'number':
      return toNumber(raw)
    case 'boolean':
      return toBoolean(raw)
    case 'timestamp': {
      const seconds = parseTimestamp(raw)
      return seconds === null ? CAST_FAILED : seconds
    }
    case 'json':
      return toJson(raw)
  }
}
