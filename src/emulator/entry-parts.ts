import {TrackLimits} from '../cio/limits.js'
import type {ObjectRef, PersonRef, RelationshipInput} from './operations.js'
import {exceedsBytes, identifierValue, isPlainObject, type Issue, parsePersonIdentifiers} from './validation.js'

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
