import {TrackLimits, ULID_PATTERN} from '../cio/limits.js'
import type {IdentifierKind, PersonRef} from './operations.js'

/** One problem with a request or entry. v1 answers only `message`; v2 answers all three. */
export interface Issue {
  reason: string
  field: string
  message: string
}

/**
 * Real Customer.io strings where known (cio-api.md §7/§8 and the published invalid-request list,
 * cio-api-fidelity.md item 9); the rest are the emulator's own, worded by analogy and listed as
 * inventions in the README's emulator fidelity notes. v2 uses the same words (its own are unpublished).
 */
export const Messages = {
  attributeValue: (name: string) => `value for attribute '${name}' cannot be longer than ${TrackLimits.attributeValueBytes} bytes`,
  eventNameTooLong: `event name cannot be longer than ${TrackLimits.eventNameBytes} bytes`,
  idMismatch: 'id attribute and identifier are not the same value',
  idNotString: 'id attribute must be a string value',
  invalidIdentifier: 'invalid identifier',
  identifierTooLong: `identifier cannot be longer than ${TrackLimits.identifierBytes} bytes`,
  // Published without the name; the v2 error's field names the attribute.
  attributeName: `attribute name cannot be longer than ${TrackLimits.attributeNameBytes} bytes`,
  tooManyAttributes: `cannot identify more than ${TrackLimits.attributesPerCall} attributes in one request`,
  eventDataNotHash: 'event data must be a hash',
  eventDataTooLarge: `event data cannot be longer than ${TrackLimits.eventDataBytes} bytes`,
  eventNameRequired: 'event name must not be blank',
  eventIdNotUlid: 'event id must be a valid ULID',
  eventType: "event type must be one of 'event', 'page' or 'screen'",
  timestamp: 'timestamp must be a unix timestamp in seconds',
  emailMismatch: 'email attribute and identifier are not the same value',
} as const

/** True when the UTF-8 encoding of `text` is longer than `limit` bytes; skips the count when length alone decides. */
export function exceedsBytes(text: string, limit: number): boolean {
  if (text.length > limit) return true
  if (text.length * 3 <= limit) return false
  return Buffer.byteLength(text, 'utf8') > limit
}

/** A string value is measured as its UTF-8 bytes, anything else as its JSON text. */
export function valueExceeds(value: unknown, limit: number): boolean {
  switch (typeof value) {
    case 'string':
      return exceedsBytes(value, limit)
    case 'number':
    case 'boolean':
      return String(value).length > limit
    default:
      return value !== null && value !== undefined && exceedsBytes(JSON.stringify(value), limit)
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Keys that steer the call rather than being stored as attributes. */
const CONTROL_KEYS = new Set(['_update', '_timestamp', 'cio_relationships'])

/** Attribute-count, name and value limits for one identify (person or object). */
export function checkAttributes(attributes: Record<string, unknown>, field: string, issues: Issue[]): void {
  let count = 0
  for (const name in attributes) {
    if (CONTROL_KEYS.has(name)) continue
    count++
    if (exceedsBytes(name, TrackLimits.attributeNameBytes)) {
      issues.push({reason: 'too_long', field: `${field}.${name}`, message: Messages.attributeName})
    } else if (valueExceeds(attributes[name], TrackLimits.attributeValueBytes)) {
      issues.push({reason: 'too_long', field: `${field}.${name}`, message: Messages.attributeValue(name)})
    }
  }

  if (count > TrackLimits.attributesPerCall) {
    issues.push({reason: 'too_many', field, message: Messages.tooManyAttributes})
  }
}

export interface EventFields {
  name?: unknown
  type?: unknown
  id?: unknown
  timestamp?: unknown
}

/** Name, type, ULID id and timestamp checks shared by v1 track/anonymous and v2 event/page/screen. */
export function checkEventFields(event: EventFields, issues: Issue[], defaultType: string): void {
  if (typeof event.name !== 'string' || event.name.trim() === '') {
    issues.push({reason: 'required', field: 'name', message: Messages.eventNameRequired})
  } else if (exceedsBytes(event.name.trim(), TrackLimits.eventNameBytes)) {
    issues.push({reason: 'too_long', field: 'name', message: Messages.eventNameTooLong})
  }

  const type = event.type ?? defaultType
  if (type !== 'event' && type !== 'page' && type !== 'screen') {
    issues.push({reason: 'invalid', field: 'type', message: Messages.eventType})
  }

  if (event.id !== undefined && event.id !== null && (typeof event.id !== 'string' || !ULID_PATTERN.test(event.id))) {
    issues.push({reason: 'invalid', field: 'id', message: Messages.eventIdNotUlid})
  }

  if (event.timestamp !== undefined && event.timestamp !== null && (typeof event.timestamp !== 'number' || !Number.isFinite(event.timestamp))) {
    issues.push({reason: 'invalid', field: 'timestamp', message: Messages.timestamp})
  }
}

const EMAIL_SHAPE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/

/** cio-api.md §4: `cio_<x>` is a cio_id, an email-shaped value an email, anything else an id. */
export function classifyPathIdentifier(value: string): PersonRef {
  if (value.startsWith('cio_')) return {kind: 'cio_id', value: value.slice(4)}
  if (EMAIL_SHAPE.test(value)) return {kind: 'email', value}
  return {kind: 'id', value}
}

/** Identifiers arrive as strings or numbers; both mean the same person. */
export function identifierValue(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

export const PERSON_IDENTIFIER_KINDS: readonly IdentifierKind[] = ['id', 'email', 'phone', 'cio_id']

/**
 * Exactly one of id/email/phone/cio_id, within 150 bytes. Returns the ref, or pushes an issue.
 */
export function parsePersonIdentifiers(identifiers: unknown, field: string, issues: Issue[]): PersonRef | undefined {
  if (!isPlainObject(identifiers)) {
    issues.push({reason: 'required', field, message: `${field} must be an object with exactly one of id, email, phone or cio_id`})
    return undefined
  }

  const keys = Object.keys(identifiers)
  if (keys.length !== 1 || !PERSON_IDENTIFIER_KINDS.includes(keys[0] as IdentifierKind)) {
    issues.push({reason: 'invalid', field, message: `${field} must have exactly one of id, email, phone or cio_id`})
    return undefined
  }

  const kind = keys[0] as IdentifierKind
  const value = identifierValue(identifiers[kind])
  if (value === undefined) {
    issues.push({reason: 'invalid', field: `${field}.${kind}`, message: `${field}.${kind} must be a non-empty string`})
    return undefined
  }

  if (exceedsBytes(value, TrackLimits.identifierBytes)) {
    issues.push({reason: 'too_long', field: `${field}.${kind}`, message: Messages.identifierTooLong})
    return undefined
  }

  return {kind, value: kind === 'cio_id' && value.startsWith('cio_') ? value.slice(4) : value}
}
