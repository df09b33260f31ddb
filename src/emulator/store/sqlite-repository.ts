import Database from 'better-sqlite3'

import type {IdentifierKind, ObjectRef} from '../operations.js'
import type {EventRecord, ObjectRecord, PersonRecord, Repository} from './types.js'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS people (
  cio_id TEXT PRIMARY KEY,
  id TEXT UNIQUE,
  email TEXT,
  email_key TEXT UNIQUE,
  phone TEXT UNIQUE,
  attributes TEXT NOT NULL,
  devices TEXT NOT NULL,
  suppressed INTEGER NOT NULL DEFAULT 0,
  last_timestamp REAL
);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT,
  person TEXT,
  anonymous_id TEXT,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_person ON events (person);
CREATE INDEX IF NOT EXISTS events_by_anonymous_id ON events (anonymous_id) WHERE person IS NULL;
CREATE TABLE IF NOT EXISTS seen_event_ids (id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS objects (
  object_type_id TEXT NOT NULL,
  object_id TEXT NOT NULL,
  cio_object_id TEXT NOT NULL UNIQUE,
  attributes TEXT NOT NULL,
  relationships TEXT NOT NULL,
  PRIMARY KEY (object_type_id, object_id)
);
`

interface PersonRow {
  cio_id: string
  id: string | null
  email: string | null
  phone: string | null
  attributes: string
  devices: string
  suppressed: number
  last_timestamp: number | null
}

interface EventRow {
  event_id: string | null
  person: string | null
  anonymous_id: string | null
  name: string
  type: string
  timestamp: number
  data: string
}

interface ObjectRow {
  object_type_id: string
  object_id: string
  cio_object_id: string
  attributes: string
  relationships: string
}

/**
 * `--db FILE`: everything that landed, in a SQLite file a user can open after a rehearsal.
 * Reopening the same file continues where it stopped (people, events, seen event ids, counters).
 */
export class SqliteRepository implements Repository {
  private readonly db: Database.Database
  private readonly statements

  constructor(file: string) {
    this.db = new Database(file)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = NORMAL')
    this.db.exec(SCHEMA)
    const db = this.db
    this.statements = {
      counter: db.prepare<[string], {value: number}>('SELECT value FROM meta WHERE key = ?'),
      bumpCounter: db.prepare<[string]>(
        'INSERT INTO meta (key, value) VALUES (?, 1) ON CONFLICT(key) DO UPDATE SET value = value + 1',
      ),
      byCioId: db.prepare<[string], PersonRow>('SELECT * FROM people WHERE cio_id = ?'),
      byId: db.prepare<[string], PersonRow>('SELECT * FROM people WHERE id = ?'),
      byEmail: db.prepare<[string], PersonRow>('SELECT * FROM people WHERE email_key = ?'),
      byPhone: db.prepare<[string], PersonRow>('SELECT * FROM people WHERE phone = ?'),
      upsertPerson: db.prepare(`INSERT INTO people (cio_id, id, email, email_key, phone, attributes, devices, suppressed, last_timestamp)
        VALUES (@cio_id, @id, @email, @email_key, @phone, @attributes, @devices, @suppressed, @last_timestamp)
        ON CONFLICT(cio_id) DO UPDATE SET id = excluded.id, email = excluded.email, email_key = excluded.email_key,
          phone = excluded.phone, attributes = excluded.attributes, devices = excluded.devices,
          suppressed = excluded.suppressed, last_timestamp = excluded.last_timestamp`),
      removePerson: db.prepare<[string]>('DELETE FROM people WHERE cio_id = ?'),
      rememberEventId: db.prepare<[string]>('INSERT OR IGNORE INTO seen_event_ids (id) VALUES (?)'),
      insertEvent: db.prepare(`INSERT INTO events (event_id, person, anonymous_id, name, type, timestamp, data)
        VALUES (@event_id, @person, @anonymous_id, @name, @type, @timestamp, @data)`),
      removeEventsOf: db.prepare<[string]>('DELETE FROM events WHERE person = ?'),
      dropOldEvents: db.prepare<[string, number]>('DELETE FROM events WHERE person = ? AND timestamp < ?'),
      moveEvents: db.prepare<[string, string]>('UPDATE events SET person = ? WHERE person = ?'),
      claimAnonymous: db.prepare<[string, string, number]>(
        'UPDATE events SET person = ? WHERE person IS NULL AND anonymous_id = ? AND timestamp >= ?',
      ),
      objectByKey: db.prepare<[string, string], ObjectRow>('SELECT * FROM objects WHERE object_type_id = ? AND object_id = ?'),
      objectByCioId: db.prepare<[string], ObjectRow>('SELECT * FROM objects WHERE cio_object_id = ?'),
      upsertObject: db.prepare(`INSERT INTO objects (object_type_id, object_id, cio_object_id, attributes, relationships)
        VALUES (@object_type_id, @object_id, @cio_object_id, @attributes, @relationships)
        ON CONFLICT(object_type_id, object_id) DO UPDATE SET attributes = excluded.attributes, relationships = excluded.relationships`),
      removeObject: db.prepare<[string, string]>('DELETE FROM objects WHERE object_type_id = ? AND object_id = ?'),
      listPeople: db.prepare<[], PersonRow>('SELECT * FROM people ORDER BY rowid'),
      listEvents: db.prepare<[], EventRow>('SELECT * FROM events ORDER BY seq'),
      listEventsOf: db.prepare<[string], EventRow>('SELECT * FROM events WHERE person = ? ORDER BY seq'),
      listObjects: db.prepare<[], ObjectRow>('SELECT * FROM objects ORDER BY rowid'),
      countPeople: db.prepare<[], {n: number}>('SELECT count(*) AS n FROM people WHERE suppressed = 0'),
      countEvents: db.prepare<[], {n: number}>('SELECT count(*) AS n FROM events'),
    }
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)()
  }

  nextCioId(): string {
    return (0xa3000000 + this.bump('cio_id')).toString(16)
  }

  nextCioObjectId(): string {
    return (0xb1000000 + this.bump('cio_object_id')).toString(16)
  }

  findPerson(kind: IdentifierKind, value: string): PersonRecord | undefined {
    const s = this.statements
    const row =
      kind === 'cio_id' ? s.byCioId.get(value) : kind === 'id' ? s.byId.get(value) : kind === 'email' ? s.byEmail.get(value.toLowerCase()) : s.byPhone.get(value)
    return row ? rowToPerson(row) : undefined
  }

  savePerson(p: PersonRecord): void {
    this.statements.upsertPerson.run({
      cio_id: p.cioId,
      id: p.id ?? null,
      email: p.email ?? null,
      email_key: p.email?.toLowerCase() ?? null,
      phone: p.phone ?? null,
      attributes: JSON.stringify(p.attributes),
      devices: JSON.stringify(p.devices),
      suppressed: p.suppressed ? 1 : 0,
      last_timestamp: p.lastTimestamp ?? null,
    })
  }

  removePerson(cioId: string): void {
    this.statements.removePerson.run(cioId)
  }

  rememberEventId(id: string): boolean {
    return this.statements.rememberEventId.run(id).changes === 1
  }

  insertEvent(e: EventRecord): void {
    this.statements.insertEvent.run({
      event_id: e.id ?? null,
      person: e.person,
      anonymous_id: e.anonymousId ?? null,
      name: e.name,
      type: e.type,
      timestamp: e.timestamp,
      data: JSON.stringify(e.data),
    })
  }

  removeEventsOf(cioId: string): void {
    this.statements.removeEventsOf.run(cioId)
  }

  moveEvents(fromCioId: string, toCioId: string, sinceTimestamp: number): void {
    this.statements.dropOldEvents.run(fromCioId, sinceTimestamp)
    this.statements.moveEvents.run(toCioId, fromCioId)
  }

  claimAnonymousEvents(anonymousId: string, cioId: string, sinceTimestamp: number): void {
    this.statements.claimAnonymous.run(cioId, anonymousId, sinceTimestamp)
  }

  findObject(ref: ObjectRef): ObjectRecord | undefined {
    const row = 'cioObjectId' in ref ? this.statements.objectByCioId.get(ref.cioObjectId) : this.statements.objectByKey.get(ref.objectTypeId, ref.objectId)
    return row ? rowToObject(row) : undefined
  }

  saveObject(o: ObjectRecord): void {
    this.statements.upsertObject.run({
      object_type_id: o.objectTypeId,
      object_id: o.objectId,
      cio_object_id: o.cioObjectId,
      attributes: JSON.stringify(o.attributes),
      relationships: JSON.stringify(o.relationships),
    })
  }

  removeObject(o: ObjectRecord): void {
    this.statements.removeObject.run(o.objectTypeId, o.objectId)
  }

  listPeople(): PersonRecord[] {
    return this.statements.listPeople.all().map(rowToPerson)
  }

  listEvents(personCioId?: string): EventRecord[] {
    const rows = personCioId === undefined ? this.statements.listEvents.all() : this.statements.listEventsOf.all(personCioId)
    return rows.map(rowToEvent)
  }

  listObjects(): ObjectRecord[] {
    return this.statements.listObjects.all().map(rowToObject)
  }

  countPeople(): number {
    return this.statements.countPeople.get()?.n ?? 0
  }

  countEvents(): number {
    return this.statements.countEvents.get()?.n ?? 0
  }

  clear(): void {
    this.db.exec('DELETE FROM people; DELETE FROM events; DELETE FROM seen_event_ids; DELETE FROM objects; DELETE FROM meta;')
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  private bump(key: string): number {
    this.statements.bumpCounter.run(key)
    return this.statements.counter.get(key)?.value ?? 1
  }
}

function rowToPerson(row: PersonRow): PersonRecord {
  const person: PersonRecord = {
    cioId: row.cio_id,
    attributes: JSON.parse(row.attributes) as Record<string, unknown>,
    devices: JSON.parse(row.devices) as PersonRecord['devices'],
    suppressed: row.suppressed === 1,
  }
  if (row.id !== null) person.id = row.id
  if (row.email !== null) person.email = row.email
  if (row.phone !== null) person.phone = row.phone
  if (row.last_timestamp !== null) person.lastTimestamp = row.last_timestamp
  return person
}

function rowToEvent(row: EventRow): EventRecord {
  const event: EventRecord = {
    person: row.person,
    name: row.name,
    type: row.type as EventRecord['type'],
    timestamp: row.timestamp,
    data: JSON.parse(row.data) as Record<string, unknown>,
  }
  if (row.anonymous_id !== null) event.anonymousId = row.anonymous_id
  if (row.event_id !== null) event.id = row.event_id
  return event
}

function rowToObject(row: ObjectRow): ObjectRecord {
  return {
    objectTypeId: row.object_type_id,
    objectId: row.object_id,
    cioObjectId: row.cio_object_id,
    attributes: JSON.parse(row.attributes) as Record<string, unknown>,
    relationships: JSON.parse(row.relationships) as ObjectRecord['relationships'],
  }
}
