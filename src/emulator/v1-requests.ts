import {TrackLimits} from '../cio/limits.js'
import type {Operation, PersonRef, RelationshipInput} from './operations.js'
import {
  checkAttributes,
  checkEventFields,
  classifyPathIdentifier,
  exceedsBytes,
  identifierValue,
  isPlainObject,
  type Issue,
  Messages,
  parsePersonIdentifiers,
} from './validation.js'
import {checkDeviceFields, checkIdentifyConsistency, parseRelationships, splitIdentifyAttributes} from './entry-parts.js'

/** A v1 request turns into operations, or into the messages of a 400 `{"meta":{"errors":[...]}}`. */
export type V1Parse = {ops: Operation[]} | {errors: string[]} | {error: string}

const BODY_NOT_OBJECT = 'request body must be a JSON object'

function pathRef(identifier: string, issues: Issue[]): PersonRef {
  if (exceedsBytes(identifier, TrackLimits.identifierBytes)) {
    issues.push({reason: 'too_long', field: 'identifier', message: Messages.identifierTooLong})
  }

  return classifyPathIdentifier(identifier)
}

function done(issues: Issue[], ops: Operation[]): V1Parse {
  return issues.length > 0 ? {errors: issues.map((i) => i.message)} : {ops}
}

/** PUT /api/v1/customers/{identifier} */
export function parseIdentify(identifier: string, body: unknown): V1Parse {
  if (!isPlainObject(body)) return {errors: [BODY_NOT_OBJECT]}
  const issues: Issue[] = []
  const ref = pathRef(identifier, issues)
  checkAttributes(body, 'attributes', issues)
  if (body.id !== undefined && body.id !== null && typeof body.id !== 'string') {
    issues.push({reason: 'invalid', field: 'id', message: Messages.idNotString})
  } else {
    checkIdentifyConsistency(body, ref, '', {field: '_timestamp', value: body._timestamp}, issues)
  }

  const {relationships, add} = v1Relationships(body.cio_relationships, issues)
  const {attributes, updateOnly} = splitIdentifyAttributes(body)
  const ops: Operation[] = [{op: 'identify', ref, attributes, updateOnly, timestamp: body._timestamp as number | undefined}]
  if (relationships.length > 0) ops.push({op: 'person_relationships', add, ref, relationships})
  return done(issues, ops)
}

const RELATIONSHIP_ACTIONS = new Set(['add_relationships', 'delete_relationships'])

/**
 * v1 documents `cio_relationships` as `{action, relationships: [...]}` (v1_cio_relationships in the
 * Track spec); the bare array that v2 uses is accepted too and adds. No action means add (unstated).
 */
function v1Relationships(value: unknown, issues: Issue[]): {relationships: RelationshipInput[]; add: boolean} {
  if (value === undefined) return {relationships: [], add: true}
  if (!isPlainObject(value)) return {relationships: parseRelationships(value, 'cio_relationships', issues), add: true}
  const action = value.action ?? 'add_relationships'
  if (typeof action !== 'string' || !RELATIONSHIP_ACTIONS.has(action)) {
    issues.push({reason: 'invalid', field: 'cio_relationships.action', message: "cio_relationships.action must be 'add_relationships' or 'delete_relationships'"})
    return {relationships: [], add: true}
  }

  return {relationships: parseRelationships(value.relationships, 'cio_relationships.relationships', issues), add: action === 'add_relationships'}
}

function eventData(data: unknown, rawBytes: number, issues: Issue[]): Record<string, unknown> {
  if (data === undefined || data === null) return {}
  if (!isPlainObject(data)) {
    issues.push({reason: 'invalid', field: 'data', message: Messages.eventDataNotHash})
    return {}
  }

  // The data cannot be bigger than the body that carried it, so small bodies skip the count.
  if (rawBytes > TrackLimits.eventDataBytes && exceedsBytes(JSON.stringify(data), TrackLimits.eventDataBytes)) {
    issues.push({reason: 'too_large', field: 'data', message: Messages.eventDataTooLarge})
  }

  return data
}

function eventOp(ref: PersonRef | null, body: Record<string, unknown>, data: Record<string, unknown>): Operation {
  return {
    op: 'event',
    ref,
    anonymousId: identifierValue(body.anonymous_id),
    name: (body.name as string).trim(),
    type: (body.type as 'event' | 'page' | 'screen' | undefined) ?? 'event',
    timestamp: typeof body.timestamp === 'number' ? body.timestamp : undefined,
    id: typeof body.id === 'string' ? body.id : undefined,
    data,
  }
}

/** POST /api/v1/customers/{identifier}/events */
export function parseTrack(identifier: string, body: unknown, rawBytes: number): V1Parse {
  if (!isPlainObject(body)) return {errors: [BODY_NOT_OBJECT]}
  const issues: Issue[] = []
  const ref = pathRef(identifier, issues)
  checkEventFields(body, issues, 'event')
  const data = eventData(body.data, rawBytes, issues)
  return issues.length > 0 ? done(issues, []) : {ops: [eventOp(ref, body, data)]}
}

/** POST /api/v1/events: anonymous events, or "invite" events addressed by data.recipient. */
export function parseAnonymousEvent(body: unknown, rawBytes: number): V1Parse {
  if (!isPlainObject(body)) return {errors: [BODY_NOT_OBJECT]}
  const issues: Issue[] = []
  checkEventFields(body, issues, 'event')
  const data = eventData(body.data, rawBytes, issues)
  const anonymousId = identifierValue(body.anonymous_id)
  if (anonymousId !== undefined && exceedsBytes(anonymousId, TrackLimits.identifierBytes)) {
    issues.push({reason: 'too_long', field: 'anonymous_id', message: Messages.identifierTooLong})
  }

  if (anonymousId === undefined && (typeof data.recipient !== 'string' || data.recipient === '')) {
    issues.push({reason: 'required', field: 'data.recipient', message: 'data.recipient is required when anonymous_id is not set'})
  }

  return issues.length > 0 ? done(issues, []) : {ops: [eventOp(null, body, data)]}
}

/** DELETE /customers/{id}, POST .../suppress, POST .../unsuppress */
export function parsePersonCommand(op: 'delete' | 'suppress' | 'unsuppress', identifier: string): V1Parse {
  const issues: Issue[] = []
  const ref = pathRef(identifier, issues)
  return done(issues, [{op, ref}])
}

/** PUT /api/v1/customers/{identifier}/devices */
export function parseAddDevice(identifier: string, body: unknown): V1Parse {
  if (!isPlainObject(body)) return {errors: [BODY_NOT_OBJECT]}
  const issues: Issue[] = []
  const ref = pathRef(identifier, issues)
  const device = body.device
  if (!isPlainObject(device)) return {errors: [...issues.map((i) => i.message), 'device is required']}
  const id = identifierValue(device.id)
  if (id === undefined) issues.push({reason: 'required', field: 'device.id', message: 'device id is required'})
  checkDeviceFields(device, true, 'v1', issues)

  return done(issues, [
    {
      op: 'add_device',
      ref,
      device: {
        id: id ?? '',
        platform: device.platform as string,
        lastUsed: device.last_used as number | undefined,
        attributes: device.attributes as Record<string, unknown> | undefined,
      },
    },
  ])
}

/** DELETE /api/v1/customers/{identifier}/devices/{device_id} */
export function parseDeleteDevice(identifier: string, deviceId: string): V1Parse {
  const issues: Issue[] = []
  const ref = pathRef(identifier, issues)
  return done(issues, [{op: 'delete_device', ref, deviceId}])
}

/** POST /api/v1/merge_customers: a bad side answers `{"meta":{"error":"..."}}` (cio-api.md §3.4). */
export function parseMerge(body: unknown): V1Parse {
  if (!isPlainObject(body)) return {error: BODY_NOT_OBJECT}
  const refs: PersonRef[] = []
  for (const side of ['primary', 'secondary'] as const) {
    const issues: Issue[] = []
    const value = body[side]
    const ref = isPlainObject(value) && 'phone' in value ? undefined : parsePersonIdentifiers(value, side, issues)
    if (!ref) return {error: `${side} must have exactly one of id, email or cio_id`}
    refs.push(ref)
  }

  return {ops: [{op: 'merge', primary: refs[0], secondary: refs[1]}]}
}

