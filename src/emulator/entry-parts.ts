import {TrackLimits} from '../cio/limits.js'
import type {ObjectRef, PersonRef, RelationshipInput} from './operations.js'
import {exceedsBytes, identifierValue, isPlainObject, type Issue, Messages, parsePersonIdentifiers} from './validation.js'

/** `_update` and `_timestamp` steer the identify; `cio_relationships` becomes its own operation. */
export function splitIdentifyAttributes(source: Record<string, unknown>): {attributes: Record<string, unknown>; updateOnly: boolean} {
  const attributes: Record<string, unknown> = {}
  for (const name in source) {
    if (name !== '_update' && name !== '_timestamp' && name !== 'cio_relationships') attributes[name] = source[name]
  }

  return {attributes, updateOnly: source._update === true}
}

/** `{object_type_id, object_id}` or `{cio_object_id}`, the object id within 150 bytes. */
export function parseObjectIdentifiers(identifiers: unknown, field: string, issues: Issue[]): ObjectRef | undefined {
  if (isPlainObject(identifiers)) {
    const cioObjectId = identifierValue(identifiers.cio_object_id)
    if (cioObjectId !== undefined && Object.keys(identifiers).length === 1) return {cioObjectId}
    const objectTypeId = identifierValue(identifiers.object_type_id)
    const objectId = identifierValue(identifiers.object_id)
    if (objectTypeId !== undefined && objectId !== undefined && Object.keys(identifiers).length === 2) {
      if (exceedsBytes(objectId, TrackLimits.identifierBytes)) {
        issues.push({reason: 'too_long', field: `${field}.object_id`, message: `object id cannot be longer than ${TrackLimits.identifierBytes} bytes`})
        return undefined
      }

      return {objectTypeId, objectId}
    }
  }

  issues.push({reason: 'invalid', field, message: `${field} must be {object_type_id, object_id} or {cio_object_id}`})
  return undefined
}

/** A person's `cio_relationships`: the objects they relate to. */
export function parseRelationships(value: unknown, field: string, issues: Issue[]): RelationshipInput[] {
  if (!Array.isArray(value) || value.length === 0) {
    issues.push({reason: 'required', field, message: `${field} must be a non-empty array`})
    return []
  }

  const out: RelationshipInput[] = []
  for (const [i, item] of value.entries()) {
    const object = isPlainObject(item) ? parseObjectIdentifiers(item.identifiers, `${field}[${i}].identifiers`, issues) : undefined
    if (!isPlainObject(item)) issues.push({reason: 'invalid', field: `${field}[${i}]`, message: `${field}[${i}] must be an object`})
    if (!object || !isPlainObject(item)) continue
    const attributes = item.relationship_attributes
    out.push({object, attributes: isPlainObject(attributes) ? attributes : undefined})
  }

  return out
}

/** An object's `cio_relationships`: the people it relates to. */
export function parseRelatedPeople(value: unknown, field: string, issues: Issue[], required: boolean): PersonRef[] {
  if (value === undefined && !required) return []
  if (!Array.isArray(value) || value.length === 0) {
    issues.push({reason: 'required', field, message: `${field} must be a non-empty array`})
    return []
  }

  const out: PersonRef[] = []
  for (const [i, item] of value.entries()) {
    const ref = parsePersonIdentifiers(isPlainObject(item) ? item.identifiers : undefined, `${field}[${i}].identifiers`, issues)
    if (ref) out.push(ref)
  }

  return out
}

/**
 * What v1 and v2 check alike on a device: its platform, `last_used` and `attributes`. v1 requires the
 * platform and names the fields in words ("device platform"), v2 allows it absent and names them
 * by path ("device.platform").
 */
export function checkDeviceFields(device: Record<string, unknown>, platformRequired: boolean, style: 'v1' | 'v2', issues: Issue[]): void {
  const name = (field: string) => (style === 'v1' ? `device ${field}` : `device.${field}`)
  const platform = device.platform
  if ((platformRequired || platform !== undefined) && platform !== 'ios' && platform !== 'android') {
    issues.push({reason: 'invalid', field: 'device.platform', message: `${name('platform')} must be 'ios' or 'android'`})
  }

  if (device.last_used !== undefined && typeof device.last_used !== 'number') {
    issues.push({reason: 'invalid', field: 'device.last_used', message: `${name('last_used')} must be a unix timestamp`})
  }

  if (device.attributes !== undefined && !isPlainObject(device.attributes)) {
    issues.push({reason: 'invalid', field: 'device.attributes', message: `${name('attributes')} must be a JSON object`})
  }
}

/**
 * The checks an identify shares between v1 (a flat body) and v2 (an entry's attributes): an `id` or
 * `email` attribute must agree with the identifier used, and the ordering timestamp must be a number.
 * `prefix` is where the attributes sit in the request, for the error's field.
 */
export function checkIdentifyConsistency(
  attributes: Record<string, unknown>,
  ref: PersonRef,
  prefix: string,
  timestamp: {field: string; value: unknown},
  issues: Issue[],
): void {
  if (ref.kind === 'id' && attributes.id !== undefined && attributes.id !== null && identifierValue(attributes.id) !== ref.value) {
    issues.push({reason: 'invalid', field: `${prefix}id`, message: Messages.idMismatch})
  }

  const email = attributes.email
  if (ref.kind === 'email' && typeof email === 'string' && email !== '' && email.toLowerCase() !== ref.value.toLowerCase()) {
    issues.push({reason: 'invalid', field: `${prefix}email`, message: Messages.emailMismatch})
  }

  if (timestamp.value !== undefined && (typeof timestamp.value !== 'number' || !Number.isFinite(timestamp.value))) {
    issues.push({reason: 'invalid', field: timestamp.field, message: Messages.timestamp})
  }
}
