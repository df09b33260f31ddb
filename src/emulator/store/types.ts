import type {EventType, IdentifierKind, ObjectRef} from '../operations.js'

export interface DeviceRecord {
  id: string
  platform?: string
  last_used?: number
  attributes?: Record<string, unknown>
}

export interface PersonRecord {
  cioId: string
  id?: string
  email?: string
  phone?: string
  attributes: Record<string, unknown>
  devices: Record<string, DeviceRecord>
  /** A suppressed record is a tombstone that blocks its identifiers; it holds no data. */
  suppressed: boolean
  /** Latest `_timestamp` applied, so an older identify cannot overwrite newer values. */
  lastTimestamp?: number
}

export interface EventRecord {
  person: string | null
  anonymousId?: string
  name: string
  type: EventType
  timestamp: number
  id?: string
  data: Record<string, unknown>
}

export interface ObjectRecord {
  objectTypeId: string
  objectId: string
  cioObjectId: string
  attributes: Record<string, unknown>
  /** Related people by cio_id (or `anonymous:<id>`), with relationship attributes. */
  relationships: Record<string, Record<string, unknown>>
}

/**
 * Storage for the full-fidelity workspace (memory or SQLite). Records are treated as values:
 * the workspace saves a fresh record after each change so stores can re-index identifiers.
 */
export interface Repository {
  transaction<T>(fn: () => T): T
  nextCioId(): string
  nextCioObjectId(): string
  findPerson(kind: IdentifierKind, value: string): PersonRecord | undefined
  savePerson(person: PersonRecord): void
  removePerson(cioId: string): void
  /** Returns false when the event id was seen before (the event is then not stored). */
  rememberEventId(id: string): boolean
  insertEvent(event: EventRecord): void
  removeEventsOf(cioId: string): void
  /** Re-point a person's events at or after `sinceTimestamp` to another person; older ones are dropped. */
  moveEvents(fromCioId: string, toCioId: string, sinceTimestamp: number): void
  /** Attach anonymous events with this anonymous_id at or after `sinceTimestamp` to a person. */
  claimAnonymousEvents(anonymousId: string, cioId: string, sinceTimestamp: number): void
  findObject(ref: ObjectRef): ObjectRecord | undefined
  saveObject(object: ObjectRecord): void
  removeObject(object: ObjectRecord): void
  listPeople(): PersonRecord[]
  listEvents(personCioId?: string): EventRecord[]
  listObjects(): ObjectRecord[]
  countPeople(): number
  countEvents(): number
  clear(): void
  close(): void
}
