import type {SourceRecord} from '../source/types.js'

export type RecordType = 'people' | 'events'

export type IdentifierType = 'id' | 'email' | 'cio_id'

/** A Track API v2 batch entry, as the mapping produces it. */
export interface V2Entry {
  type: 'person'
  action: 'identify' | 'event'
  /** Exactly one identifier; anonymous events use {anonymous_id}. */
  identifiers: Partial<Record<IdentifierType | 'anonymous_id', string>>
  attributes?: Record<string, unknown>
  /** event name */
  name?: string
  /** event id (ULID), always present on events */
  id?: string
  /** integer Unix seconds */
  timestamp?: number
}

/** One unit of work for the sender: a mapped, rule-checked row. */
export interface Operation {
  /** Line of the input on which the row starts. */
  line: number
  /**
   * Who the row is about, normalised (e.g. "id:42", "email:jane@example.com", "anon:abc").
   * Rows with the same key are applied in file order.
   */
  personKey: string
  /**
   * Whether this row must land after the person's earlier rows: true for identify rows (the later
   * row must win) and for events without their own timestamp (the server would stamp them in arrival
   * order); false for an event with its own timestamp and id, which lands correctly in any order, so
   * its batch need not wait for the person's batches in flight.
   */
  ordered: boolean
  entry: V2Entry
  /** The entry serialised, once: requests are assembled from these strings, never re-serialised. */
  json: string
  /** UTF-8 byte length of `json`. */
  bytes: number
}

/** A broken rule: `rule` is a stable code (used in reports and counts), `message` is for people. */
export interface RuleViolation {
  rule: string
  message: string
}

export type MapResult = {ok: true; op: Operation} | {ok: false; violation: RuleViolation}

export interface Mapper {
  map(record: SourceRecord): MapResult
  /**
   * The row's person key as map() would give it, from the identifier cells only (cheap); undefined
   * when the row has no usable identifier. Agrees with map()'s op.personKey whenever map() succeeds.
   */
  personKey(record: SourceRecord): string | undefined
}
