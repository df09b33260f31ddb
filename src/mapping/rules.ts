import {TrackLimits} from '../cio/limits.js'
import {stringifyExact} from '../source/json-number.js'
import {MAX_JSON_DEPTH} from '../source/json-text.js'
import type {RuleViolation} from './types.js'

/**
 * Stable rule codes: reports and counts key on them, so never rename one.
 * Messages start with Customer.io's own wording where cio-api.md §7 records it, so a row we reject
 * reads the same as the server's rejection would.
 */
export const Rule = {
  identifierMissing: 'identifier_missing',
  identifierTooLong: 'identifier_too_long',
  identifierInvalid: 'identifier_invalid',
  identifierAmbiguousV1: 'identifier_ambiguous_v1',
  attributeNameTooLong: 'attribute_name_too_long',
  attributeValueTooLong: 'attribute_value_too_long',
  tooManyAttributes: 'too_many_attributes',
  eventNameMissing: 'event_name_missing',
  eventNameTooLong: 'event_name_too_long',
  eventNameInvalid: 'event_name_invalid',
  eventDataTooLarge: 'event_data_too_large',
  dataInvalid: 'data_invalid',
  entryTooLarge: 'entry_too_large',
  timestampInvalid: 'timestamp_invalid',
  eventIdInvalid: 'event_id_invalid',
  castNumber: 'cast_number',
  castBoolean: 'cast_boolean',
  castJson: 'cast_json',
  recordInvalid: 'record_invalid',
  jsonTooDeep: 'json_too_deep',
} as const

export type RuleCode = (typeof Rule)[keyof typeof Rule]

const SHOWN_CHARS = 60

/** A value as people read it in a message: JSON-quoted, cut short so a 30 KB cell does not flood a report. */
export function showValue(value: unknown): string {
  let text: string
  if (typeof value === 'string') text = value
  else {
    try {
      text = stringifyExact(value) ?? String(value)
    } catch {
      text = String(value)
    }
  }
  if (text.length > SHOWN_CHARS) text = text.slice(0, SHOWN_CHARS) + '…'
  return typeof value === 'string' ? JSON.stringify(text) : text
}

/** "column 'Signed Up'" or, when the mapping renamed it, "column 'Signed Up' (created_at)". */
export function showColumn(source: string, target?: string): string {
  return target === undefined || target === source ? `column '${source}'` : `column '${source}' (${target})`
}

function violation(rule: RuleCode, message: string): RuleViolation {
  return {rule, message}
}

export const violations = {
  identifierMissing: (candidates: readonly string[]): RuleViolation =>
    violation(
      Rule.identifierMissing,
      candidates.length === 1
        ? `identifier is missing: column '${candidates[0]}' is empty`
        : `identifier is missing: columns ${candidates.map((c) => `'${c}'`).join(', ')} are all empty or absent`,
    ),
  identifierTooLong: (column: string, bytes: number): RuleViolation =>
    violation(
      Rule.identifierTooLong,
      `identifier cannot be longer than ${TrackLimits.identifierBytes} bytes (column '${column}' has ${bytes} bytes)`,
    ),
  identifierInvalid: (column: string, value: unknown): RuleViolation =>
    violation(Rule.identifierInvalid, `identifier in column '${column}' must be a string or a number, got ${showValue(value)}`),
  identifierAmbiguousV1: (column: string, value: string, readAs: string): RuleViolation =>
    violation(
      Rule.identifierAmbiguousV1,
      `identifier ${showValue(value)} in column '${column}' would be read by Customer.io as ${readAs}: --api v1 puts the identifier in the URL, where its shape decides its type; use --api v2, which names the type`,
    ),
  attributeNameTooLong: (name: string, bytes: number): RuleViolation =>
    violation(
      Rule.attributeNameTooLong,
      `attribute name '${name}' cannot be longer than ${TrackLimits.attributeNameBytes} bytes (${bytes} bytes)`,
    ),
  attributeValueTooLong: (name: string, bytes: number): RuleViolation =>
    violation(
      Rule.attributeValueTooLong,
      `value for attribute '${name}' cannot be longer than ${TrackLimits.attributeValueBytes} bytes (${bytes} bytes)`,
    ),
  tooManyAttributes: (count: number): RuleViolation =>
    violation(
      Rule.tooManyAttributes,
      `cannot set more than ${TrackLimits.attributesPerCall} attributes (this row has ${count})`,
    ),
  eventNameMissing: (candidates: readonly string[]): RuleViolation =>
    violation(
      Rule.eventNameMissing,
      `event name is missing: ${candidates.length === 1 ? `column '${candidates[0]}' is` : `columns ${candidates.map((c) => `'${c}'`).join(' and ')} are`} empty or absent`,
    ),
  eventNameTooLong: (bytes: number): RuleViolation =>
    violation(Rule.eventNameTooLong, `event name cannot be longer than ${TrackLimits.eventNameBytes} bytes (${bytes} bytes)`),
  eventNameInvalid: (column: string, value: unknown): RuleViolation =>
    violation(Rule.eventNameInvalid, `event name in column '${column}' must be a string, got ${showValue(value)}`),
  eventDataTooLarge: (bytes: number): RuleViolation =>
    violation(
      Rule.eventDataTooLarge,
      `event data cannot be larger than ${TrackLimits.eventDataBytes} bytes (${bytes} bytes as JSON)`,
    ),
  dataInvalid: (column: string, detail: string): RuleViolation =>
    violation(Rule.dataInvalid, `${showColumn(column)} must hold a JSON object: ${detail}`),
  entryTooLarge: (bytes: number): RuleViolation =>
    violation(
      Rule.entryTooLarge,
      `batch entry cannot be larger than ${TrackLimits.batchEntryBytes} bytes (this row is ${bytes} bytes as JSON)`,
    ),
  timestampInvalid: (column: string, target: string | undefined, value: unknown): RuleViolation =>
    violation(
      Rule.timestampInvalid,
      `${showColumn(column, target)}: ${showValue(value)} is not an ISO 8601 date or a Unix timestamp in seconds or milliseconds`,
    ),
  timestampFormat: (column: string, target: string | undefined, value: unknown, format: string): RuleViolation =>
    violation(Rule.timestampInvalid, `${showColumn(column, target)}: ${showValue(value)} is not a date in the mapping's format ${format}`),
  eventTimestampNegative: (column: string, value: unknown): RuleViolation =>
    violation(Rule.timestampInvalid, `${showColumn(column)}: ${showValue(value)} is before 1970; an event timestamp cannot be negative`),
  eventIdInvalid: (column: string, value: unknown): RuleViolation =>
    violation(
      Rule.eventIdInvalid,
      `${showColumn(column)}: ${showValue(value)} is not a ULID (26 Crockford base32 characters, e.g. 01BX5ZZKBKACTAV9WEVGEMMVRY)`,
    ),
  castNumber: (column: string, target: string | undefined, value: unknown): RuleViolation =>
    violation(Rule.castNumber, `${showColumn(column, target)}: ${showValue(value)} is not a number`),
  castBoolean: (column: string, target: string | undefined, value: unknown): RuleViolation =>
    violation(
      Rule.castBoolean,
      `${showColumn(column, target)}: ${showValue(value)} is not a boolean (true/false, yes/no, 1/0)`,
    ),
  castJson: (column: string, target: string | undefined, value: unknown): RuleViolation =>
    violation(Rule.castJson, `${showColumn(column, target)}: ${showValue(value)} is not valid JSON`),
  recordInvalid: (): RuleViolation => violation(Rule.recordInvalid, 'the record could not be read'),
  jsonTooDeep: (column: string, target: string | undefined, depth: number): RuleViolation =>
    violation(Rule.jsonTooDeep, `${showColumn(column, target)}: the JSON nests ${depth} levels deep, over the limit of ${MAX_JSON_DEPTH}`),
}
