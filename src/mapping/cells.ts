import {TrackLimits, utf8Bytes} from '../cio/limits.js'
import {JsonNumber, stringifyExact} from '../source/json-number.js'
import {jsonDepthOver} from '../source/json-text.js'
import {CAST_FAILED, castValue} from './casts.js'
import type {ColumnPlan} from './column-plan.js'
import {violations} from './rules.js'
import type {IdentifierType, RuleViolation, V2Entry} from './types.js'

/** Empty cells are omitted, so an import never overwrites a stored value with "" (or null). */
export function isEmpty(raw: unknown): boolean {
  return raw === '' || raw === null || raw === undefined
}

/** Casts a non-empty cell by its plan; CAST_FAILED goes with castViolation for the message. */
export function castCell(plan: ColumnPlan, raw: unknown): unknown {
  if (plan.parseDate !== undefined) {
    const ms = plan.parseDate(raw)
    return ms === null ? CAST_FAILED : Math.floor(ms / 1000)
  }
  return plan.cast === undefined ? raw : castValue(raw, plan.cast)
}

export function castViolation(plan: ColumnPlan, raw: unknown): RuleViolation {
  switch (plan.cast) {
    case 'number':
      return violations.castNumber(plan.source, plan.target, raw)
    case 'boolean':
      return violations.castBoolean(plan.source, plan.target, raw)
    case 'json': {
      const depth = typeof raw === 'string' ? jsonDepthOver(raw) : 0
      return depth > 0 ? violations.jsonTooDeep(plan.source, plan.target, depth) : violations.castJson(plan.source, plan.target, raw)
    }
    default:
      if (plan.dateFormat !== undefined) return violations.timestampFormat(plan.source, plan.target, raw, plan.dateFormat)
      return violations.timestampInvalid(plan.source, plan.target, raw)
  }
}

const MAX_VALUE_BYTES = TrackLimits.attributeValueBytes
/** A UTF-16 code unit never takes more than 3 UTF-8 bytes: short strings need no byte count. */
const SURELY_SHORT = Math.floor(MAX_VALUE_BYTES / 3)

/** Bytes over the attribute value limit (string: UTF-8; other values: JSON), or 0 when within it. */
export function valueOverLimit(value: unknown): number {
  if (typeof value === 'string') {
    if (value.length <= SURELY_SHORT) return 0
    const bytes = utf8Bytes(value)
    return bytes > MAX_VALUE_BYTES ? bytes : 0
  }
  if (typeof value !== 'object' || value === null) return 0
  const bytes = utf8Bytes(stringifyExact(value))
  return bytes > MAX_VALUE_BYTES ? bytes : 0
}

/** Sets an attribute; "__proto__" from an NDJSON key must become data, not the object's prototype. */
export function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, {value, enumerable: true, writable: true, configurable: true})
  else target[key] = value
}

/** Identifier text: strings as read (never trimmed or cast), numbers from NDJSON as their digits. */
export const NOT_AN_IDENTIFIER: unique symbol = Symbol('not an identifier')
export function identifierText(raw: unknown): string | undefined | typeof NOT_AN_IDENTIFIER {
  if (typeof raw === 'string') return raw.trim() === '' ? undefined : raw
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw)
  // Beyond 2^53: the digits as written, so 9007199254740993 and 9007199254740992 stay two people.
  if (raw instanceof JsonNumber) return raw.text
  return NOT_AN_IDENTIFIER
}

/** Customer.io's v2 cio_id carries no "cio_" prefix (that prefix is the v1 path form), so accept both. */
export function normaliseIdentifier(type: IdentifierType | 'anonymous_id', value: string): string {
  return type === 'cio_id' && value.startsWith('cio_') ? value.slice(4) : value
}

export function personKeyOf(type: IdentifierType | 'anonymous_id', value: string): string {
  switch (type) {
    case 'email':
      return 'email:' + value.toLowerCase()
    case 'anonymous_id':
      return 'anon:' + value
    default:
      return type + ':' + value
  }
}

export function identifierTooLong(column: string, value: string): RuleViolation | undefined {
  if (value.length <= TrackLimits.identifierBytes / 3) return undefined
  const bytes = utf8Bytes(value)
  return bytes > TrackLimits.identifierBytes ? violations.identifierTooLong(column, bytes) : undefined
}

/** The v2 `identifiers` object, built as a literal per type: a computed key is measurably slower per row. */
export function identifiersOf(type: IdentifierType | 'anonymous_id', value: string): V2Entry['identifiers'] {
  switch (type) {
    case 'id':
      return {id: value}
    case 'email':
      return {email: value}
    case 'cio_id':
      return {cio_id: value}
    default:
      return {anonymous_id: value}
  }
}

export function hasKeys(value: object): boolean {
  for (const _ in value) return true
  return false
}

/**
 * v1 addresses a person by the identifier in the URL path, and Customer.io tells its type by its
 * shape: with an @ it is an email, with a cio_ prefix a cio_id, otherwise an id. A row whose value
 * would be read as another type would reach the wrong person (or be dropped), so it is not sent.
 */
export function v1PathProblem(type: IdentifierType | 'anonymous_id', value: string, column: string): RuleViolation | undefined {
  if (type === 'id') {
    if (value.includes('@')) return violations.identifierAmbiguousV1(column, value, 'an email')
    if (value.startsWith('cio_')) return violations.identifierAmbiguousV1(column, value, 'a cio_id')
  } else if (type === 'email' && !value.includes('@')) {
    return violations.identifierAmbiguousV1(column, value, value.startsWith('cio_') ? 'a cio_id' : 'an id')
  }
  return undefined
}
