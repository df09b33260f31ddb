import type {IdentifierKind, ObjectRef} from '../operations.js'
import {UlidSet} from '../ulid-set.js'
import type {EventRecord, ObjectRecord, PersonRecord, Repository} from './types.js'

/** The default store: plain maps with one index per identifier kind. */
export class MemoryRepository implements Repository {
  private people = new Map<string, PersonRecord>()
  private byId = new Map<string, string>()
  private byEmail = new Map<string, string>()
  private byPhone = new Map<string, string>()
  private events: EventRecord[] = []
  private seenEventIds = new UlidSet()
  private objects = new Map<string, ObjectRecord>()
  private objectsByCioId = new Map<string, string>()
  private activePeople = 0
  private cioCounter = 0
  private objectCounter = 0

  transaction<T>(fn: () => T): T {
    return fn()
  }

  nextCioId(): string {
    return (0xa3000000 + ++this.cioCounter).toString(16)
  }

  nextCioObjectId(): string {
    return (0xb1000000 + ++this.objectCounter).toString(16)
  }

  findPerson(kind: IdentifierKind, value: string): PersonRecord | undefined {
    switch (kind) {
      case 'cio_id':
        return this.people.get(value)
      case 'id':
        return this.lookup(this.byId, value)
      case 'email':
        return this.lookup(this.byEmail, value.toLowerCase())
      case 'phone':
        return this.lookup(this.byPhone, value)
    }
  }

  savePerson(person: PersonRecord): void {
    const previous = this.people.get(person.cioId)
    if (previous) this.unindex(previous)
    if (previous && !previous.suppressed) this.activePeople--
    if (!person.suppressed) this.activePeople++
    this.people.set(person.cioId, person)
    if (person.id !== undefined) this.byId.set(person.id, person.cioId)
    if (person.email !== undefined) this.byEmail.set(person.email.toLowerCase(), person.cioId)
    if (person.phone !== undefined) this.byPhone.set(person.phone, person.cioId)
  }

  removePerson(cioId: string): void {
    const previous = this.people.get(cioId)
    if (!previous) return
    this.unindex(previous)
    if (!previous.suppressed) this.activePeople--
    this.people.delete(cioId)
  }

  rememberEventId(id: string): boolean {
    return this.seenEventIds.add(id)
  }

  insertEvent(event: EventRecord): void {
    this.events.push(event)
  }

  removeEventsOf(cioId: string): void {
    this.events = this.events.filter((e) => e.person !== cioId)
  }

  moveEvents(fromCioId: string, toCioId: string, sinceTimestamp: number): void {
    this.events = this.events.filter((e) => e.person !== fromCioId || e.timestamp >= sinceTimestamp)
    for (const e of this.events) if (e.person === fromCioId) e.person = toCioId
  }

  claimAnonymousEvents(anonymousId: string, cioId: string, sinceTimestamp: number): void {
    for (const e of this.events) {
      if (e.person === null && e.anonymousId === anonymousId && e.timestamp >= sinceTimestamp) e.person = cioId
    }
  }

  findObject(ref: ObjectRef): ObjectRecord | undefined {
    const key = 'cioObjectId' in ref ? this.objectsByCioId.get(ref.cioObjectId) : objectKey(ref.objectTypeId, ref.objectId)
    return key === undefined ? undefined : this.objects.get(key)
  }

  saveObject(object: ObjectRecord): void {
    this.objects.set(objectKey(object.objectTypeId, object.objectId), object)
    this.objectsByCioId.set(object.cioObjectId, objectKey(object.objectTypeId, object.objectId))
  }

  removeObject(object: ObjectRecord): void {
    this.objects.delete(objectKey(object.objectTypeId, object.objectId))
    this.objectsByCioId.delete(object.cioObjectId)
  }

  listPeople(): PersonRecord[] {
    return [...this.people.values()]
  }

  listEvents(personCioId?: string): EventRecord[] {
    return personCioId === undefined ? [...this.events] : this.events.filter((e) => e.person === personCioId)
  }

  listObjects(): ObjectRecord[] {
    return [...this.objects.values()]
  }

  countPeople(): number {
    return this.activePeople
  }

  countEvents(): number {
    return this.events.length
  }

  clear(): void {
    this.people.clear()
    this.byId.clear()
    this.byEmail.clear()
    this.byPhone.clear()
    this.events = []
    this.seenEventIds.clear()
    this.objects.clear()
    this.objectsByCioId.clear()
    this.activePeople = 0
    this.cioCounter = 0
    this.objectCounter = 0
  }

  close(): void {}

  private lookup(index: Map<string, string>, key: string): PersonRecord | undefined {
    const cioId = index.get(key)
    return cioId === undefined ? undefined : this.people.get(cioId)
  }

  private unindex(person: PersonRecord): void {
    if (person.id !== undefined) this.byId.delete(person.id)
    if (person.email !== undefined) this.byEmail.delete(person.email.toLowerCase())
    if (person.phone !== undefined) this.byPhone.delete(person.phone)
  }
}

function objectKey(typeId: string, objectId: string): string {
  return `${typeId}\u0000${objectId}`
}
