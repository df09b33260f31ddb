import {TrackLimits} from '../cio/limits.js'
import {checkDeviceFields, checkIdentifyConsistency, parseObjectIdentifiers, parseRelatedPeople, parseRelationships, splitIdentifyAttributes} from './entry-parts.js'
import type {EventType, Operation, PersonRef} from './operations.js'
import {
  checkAttributes,
  checkEventFields,
  exceedsBytes,
  identifierValue,
  isPlainObject,
  type Issue,
  Messages,
  parsePersonIdentifiers,
} from './validation.js'

/** One v2 entry (an `/entity` body or a `/batch` element): operations, or the issues that reject it. */
export type EntryParse = {ops: Operation[]} | {issues: Issue[]}

const PERSON_ACTIONS = new Set([
  'identify', 'delete', 'event', 'page', 'screen', 'add_relationships', 'delete_relationships',
  'add_device', 'delete_device', 'merge', 'suppress', 'unsuppress',
])
const OBJECT_ACTIONS = new Set(['identify', 'identify_anonymous', 'delete', 'add_relationships', 'delete_relationships'])

function result(issues: Issue[], ops: Operation[]): EntryParse {
  return issues.length > 0 ? {issues} : {ops}
}

function optionalAttributes(entry: Record<string, unknown>, issues: Issue[]): Record<string, unknown> {
  if (entry.attributes === undefined || entry.attributes === null) return {}
  if (isPlainObject(entry.attributes)) return entry.attributes
  issues.push({reason: 'invalid', field: 'attributes', message: 'attributes must be a JSON object'})
  return {}
}

export function parseEntry(entry: unknown): EntryParse {
  if (!isPlainObject(entry)) return {issues: [{reason: 'invalid', field: 'entry', message: 'entry must be a JSON object'}]}
  switch (entry.type) {
    case 'person':
      return parsePersonEntry(entry)
    case 'object':
      return parseObjectEntry(entry)
    case 'delivery':
      return parseDeliveryEntry(entry)
    default:
      return {issues: [{reason: 'invalid', field: 'type', message: "type must be one of 'person', 'object' or 'delivery'"}]}
  }
}

function parsePersonEntry(entry: Record<string, unknown>): EntryParse {
  const action = entry.action
  if (typeof action !== 'string' || !PERSON_ACTIONS.has(action)) {
    return {issues: [{reason: 'invalid', field: 'action', message: `unknown action for type 'person': ${JSON.stringify(action ?? null)}`}]}
  }

  const issues: Issue[] = []
  if (action === 'merge') {
    const primary = parsePersonIdentifiers(entry.primary, 'primary', issues)
    const secondary = parsePersonIdentifiers(entry.secondary, 'secondary', issues)
    return primary && secondary ? result(issues, [{op: 'merge', primary, secondary}]) : {issues}
  }

  if (action === 'event' || action === 'page' || action === 'screen') return parsePersonEvent(entry, action)

  const ref = parsePersonIdentifiers(entry.identifiers, 'identifiers', issues)
  if (!ref) return {issues}

  switch (action) {
    case 'identify':
      return parseIdentifyEntry(entry, ref)
    case 'delete':
    case 'suppress':
    case 'unsuppress':
      return {ops: [{op: action, ref}]}
    case 'add_device':
    case 'delete_device':
      return parseDeviceEntry(entry, ref, action)
    default: {
      const relationships = parseRelationships(entry.cio_relationships, 'cio_relationships', issues)
      return result(issues, [{op: 'person_relationships', add: action === 'add_relationships', ref, relationships}])
    }
  }
}

function parseIdentifyEntry(entry: Record<string, unknown>, ref: PersonRef): EntryParse {
  const issues: Issue[] = []
  const raw = optionalAttributes(entry, issues)
  checkAttributes(raw, 'attributes', issues)
  checkIdentifyConsistency(raw, ref, 'attributes.', {field: 'timestamp', value: entry.timestamp}, issues)

  const relationships = entry.cio_relationships === undefined ? [] : parseRelationships(entry.cio_relationships, 'cio_relationships', issues)
  const {attributes, updateOnly} = splitIdentifyAttributes(raw)
  const timestamp = typeof entry.timestamp === 'number' ? entry.timestamp : typeof raw._timestamp === 'number' ? raw._timestamp : undefined
  const ops: Operation[] = [{op: 'identify', ref, attributes, updateOnly, timestamp}]
  if (relationships.length > 0) ops.push({op: 'person_relationships', add: true, ref, relationships})
  return result(issues, ops)
}

/**
 * Events may be addressed to `identifiers: {anonymous_id}`: Segment's production integration
 * sends anonymous events that way and so does the importer (not in the official schema).
 */
function parsePersonEvent(entry: Record<string, unknown>, type: EventType): EntryParse {
  const issues: Issue[] = []
  let ref: PersonRef | null = null
  let anonymousId: string | undefined
  const identifiers = entry.identifiers
  if (isPlainObject(identifiers) && Object.keys(identifiers).length === 1 && 'anonymous_id' in identifiers) {
    anonymousId = identifierValue(identifiers.anonymous_id)
    if (anonymousId === undefined) {
      issues.push({reason: 'invalid', field: 'identifiers.anonymous_id', message: 'identifiers.anonymous_id must be a non-empty string'})
    } else if (exceedsBytes(anonymousId, TrackLimits.identifierBytes)) {
      issues.push({reason: 'too_long', field: 'identifiers.anonymous_id', message: Messages.identifierTooLong})
    }
  } else {
    ref = parsePersonIdentifiers(identifiers, 'identifiers', issues) ?? null
  }

  checkEventFields({name: entry.name, id: entry.id, timestamp: entry.timestamp}, issues, type)
  const data = optionalAttributes(entry, issues)
  // Event data sits inside a 32 KB entry, so its 100,000-byte limit cannot be reached here.
  if (issues.length > 0) return {issues}
  return {
    ops: [
      {
        op: 'event',
        ref,
        anonymousId,
        name: (entry.name as string).trim(),
        type,
        timestamp: entry.timestamp as number | undefined,
        id: entry.id as string | undefined,
        data,
      },
    ],
  }
}

function parseDeviceEntry(entry: Record<string, unknown>, ref: PersonRef, action: 'add_device' | 'delete_device'): EntryParse {
  const device = entry.device
  const token = isPlainObject(device) ? identifierValue(device.token) : undefined
  if (!isPlainObject(device) || token === undefined) {
    return {issues: [{reason: 'required', field: 'device.token', message: 'device.token is required'}]}
  }

  if (action === 'delete_device') return {ops: [{op: 'delete_device', ref, deviceId: token}]}
  const issues: Issue[] = []
  checkDeviceFields(device, false, 'v2', issues)

  return result(issues, [
    {
      op: 'add_device',
      ref,
      device: {
        id: token,
        platform: device.platform as string | undefined,
        lastUsed: device.last_used as number | undefined,
        attributes: device.attributes as Record<string, unknown> | undefined,
      },
    },
  ])
}

function parseObjectEntry(entry: Record<string, unknown>): EntryParse {
  const action = entry.action
  if (typeof action !== 'string' || !OBJECT_ACTIONS.has(action)) {
    return {issues: [{reason: 'invalid', field: 'action', message: `unknown action for type 'object': ${JSON.stringify(action ?? null)}`}]}
  }

  const issues: Issue[] = []
  const object = parseObjectIdentifiers(entry.identifiers, 'identifiers', issues)
  if (!object) return {issues}

  switch (action) {
    case 'identify': {
      const attributes = optionalAttributes(entry, issues)
      checkAttributes(attributes, 'attributes', issues)
      const people = parseRelatedPeople(entry.cio_relationships, 'cio_relationships', issues, false)
      return result(issues, [{op: 'object_identify', object, attributes, people}])
    }

    case 'identify_anonymous': {
      const attributes = optionalAttributes(entry, issues)
      checkAttributes(attributes, 'attributes', issues)
      const anonymousId = identifierValue(entry.anonymous_id)
      if (anonymousId === undefined) issues.push({reason: 'required', field: 'anonymous_id', message: 'anonymous_id is required'})
      return result(issues, [{op: 'object_identify_anonymous', object, anonymousId: anonymousId ?? '', attributes}])
    }

    case 'delete':
      return {ops: [{op: 'object_delete', object}]}
    default: {
      const people = parseRelatedPeople(entry.cio_relationships, 'cio_relationships', issues, true)
      return result(issues, [{op: 'object_relationships', add: action === 'add_relationships', object, people}])
    }
  }
}

function parseDeliveryEntry(entry: Record<string, unknown>): EntryParse {
  const issues: Issue[] = []
  if (entry.action !== 'event') issues.push({reason: 'invalid', field: 'action', message: "delivery entries only support action 'event'"})
  const deliveryId = isPlainObject(entry.identifiers) ? identifierValue(entry.identifiers.id) : undefined
  if (deliveryId === undefined) issues.push({reason: 'required', field: 'identifiers.id', message: 'identifiers.id (the delivery id) is required'})
  if (typeof entry.name !== 'string' || entry.name === '') issues.push({reason: 'required', field: 'name', message: Messages.eventNameRequired})
  return result(issues, [{op: 'delivery_event', deliveryId: deliveryId ?? '', name: entry.name as string}])
}
