import {createMapper} from '../mapping/index.js'
import type {Mapper, MapResult, RecordType, V2Entry} from '../mapping/types.js'

/** One identify or track call, as an application (the producer API) or a Kafka message makes it. */
export type OperationCall =
  | {type: 'identify'; userId: string; attributes?: Record<string, unknown>}
  | {
      type: 'track'
      /** Exactly one of userId and anonymousId. */
      userId?: string
      anonymousId?: string
      name: string
      data?: Record<string, unknown>
      /** ISO 8601, or Unix seconds or milliseconds, as import reads timestamps. */
      timestamp?: number | string
      /** A ULID; when absent, the caller's mapper derives or draws one. */
      id?: string
    }

/** The import row (NDJSON fields) a call stands for: the rules are import's, applied to the same shape. */
export function rowOfCall(call: OperationCall): {type: RecordType; fields: Record<string, unknown>} {
  if (call.type === 'identify') return {type: 'people', fields: {...call.attributes, id: call.userId}}
  const fields: Record<string, unknown> = {name: call.name}
  if (call.anonymousId !== undefined) fields.anonymous_id = call.anonymousId
  if (call.userId !== undefined) fields.id = call.userId
  if (call.data !== undefined) fields.data = call.data
  if (call.timestamp !== undefined) fields.timestamp = call.timestamp
  if (call.id !== undefined) fields.event_id = call.id
  return {type: 'events', fields}
}

/** The other way: an entry as an NDJSON row that `import --type people|events` accepts (export of failed jobs). */
export function rowOfEntry(entry: V2Entry): {type: RecordType; fields: Record<string, unknown>} {
  const fields: Record<string, unknown> = {...entry.identifiers}
  if (entry.action === 'identify') return {type: 'people', fields: {...entry.attributes, ...fields}}
  fields.name = entry.name
  if (entry.attributes !== undefined) fields.data = entry.attributes
  if (entry.timestamp !== undefined) fields.timestamp = entry.timestamp
  if (entry.id !== undefined) fields.event_id = entry.id
  return {type: 'events', fields}
}

/**
 * Checks calls with import's mappers and rules. `eventIdSeed` matters only for events without an id:
 * their id is derived from the seed and `position` (a Kafka topic/partition and offset).
 */
export class CallChecker {
  private readonly people: Mapper
  private readonly events: Mapper

  constructor(eventIdSeed: string) {
    // Scheme 1 (sha256 per call), always: nothing records a scheme for a Kafka partition, and a consumer
    // upgraded while messages are uncommitted must give their re-delivery the ids it gave them before.
    this.people = createMapper({type: 'people', eventIdSeed, eventIdScheme: 1})
    this.events = createMapper({type: 'events', eventIdSeed, eventIdScheme: 1})
  }

  check(call: OperationCall, position = 0): MapResult {
    const {type, fields} = rowOfCall(call)
    const mapper = type === 'people' ? this.people : this.events
    return mapper.map({line: position, raw: '', fields, offset: 0, nextOffset: 0})
  }
}
