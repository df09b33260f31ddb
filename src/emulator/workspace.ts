import type {ApplyResult, IdentifierKind, Operation} from './operations.js'
import type {EventRecord, ObjectRecord, PersonRecord} from './store/types.js'

/** What the inspection API shows for a person. */
export interface PersonView {
  cio_id: string
  id?: string
  email?: string
  phone?: string
  attributes: Record<string, unknown>
  suppressed?: true
  devices?: Array<{id: string; platform?: string; last_used?: number; attributes?: Record<string, unknown>}>
}

export interface EventView {
  /** cio_id of the person, or null for an anonymous event not yet attached to anyone. */
  person: string | null
  anonymous_id?: string
  name: string
  type: string
  timestamp: number
  id?: string
  data: Record<string, unknown>
}

export interface ObjectView {
  object_type_id: string
  object_id: string
  cio_object_id: string
  attributes: Record<string, unknown>
  relationships: Array<{person: string; attributes: Record<string, unknown>}>
}

export interface WorkspaceCounts {
  people: number
  events: number
  duplicateEventIds: number
}

/** The state behind one site id. Implemented by the full store (memory/SQLite) and the counting store. */
export interface Workspace {
  /** Run every apply of one request together (one SQLite transaction). */
  transaction<T>(fn: () => T): T
  /** Applies a validated operation: an error the response reports, a silent outcome the 200 hides, or nothing to say. */
  apply(op: Operation, nowSeconds: number): ApplyResult
  people(): PersonView[]
  person(identifier: string): PersonView | undefined
  /** By one kind of identifier only (cio_id without its prefix), as the App API's id_type looks people up. */
  personBy(kind: IdentifierKind, value: string): PersonView | undefined
  events(personIdentifier?: string): EventView[]
  objects(): ObjectView[]
  counts(): WorkspaceCounts
  reset(): void
  close(): void
}

export function toPersonView(p: PersonRecord): PersonView {
  const view: PersonView = {cio_id: p.cioId} as PersonView
  if (p.id !== undefined) view.id = p.id
  if (p.email !== undefined) view.email = p.email
  if (p.phone !== undefined) view.phone = p.phone
  // Copies, so a caller holding a view cannot change what the emulator stores.
  view.attributes = {...p.attributes}
  if (p.suppressed) view.suppressed = true
  const devices = Object.values(p.devices).map((d) => ({...d}))
  if (devices.length > 0) view.devices = devices
  return view
}

export function toEventView(e: EventRecord): EventView {
  const view: EventView = {person: e.person, name: e.name, type: e.type, timestamp: e.timestamp, data: {...e.data}}
  if (e.anonymousId !== undefined) view.anonymous_id = e.anonymousId
  if (e.id !== undefined) view.id = e.id
  return view
}

export function toObjectView(o: ObjectRecord): ObjectView {
  return {
    object_type_id: o.objectTypeId,
    object_id: o.objectId,
    cio_object_id: o.cioObjectId,
    attributes: {...o.attributes},
    relationships: Object.entries(o.relationships).map(([person, attributes]) => ({person, attributes: {...attributes}})),
  }
}

