import {Messages} from '../validation.js'
import type {ApplyError, ApplyResult, DeviceInput, IdentifierKind, ObjectRef, Operation, PersonRef, RelationshipInput, SilentOutcome} from '../operations.js'
import {toEventView, toObjectView, toPersonView, type EventView, type ObjectView, type PersonView, type Workspace, type WorkspaceCounts} from '../workspace.js'
import type {ObjectRecord, PersonRecord, Repository} from './types.js'

/** Merges and anonymous-event attachment only reach back this far (cio-api.md §3.4, §3.6). */
const THIRTY_DAYS_SECONDS = 30 * 24 * 3600

const invalidIdentifier = (field: string): ApplyError => ({reason: 'invalid', field, message: Messages.invalidIdentifier})

/** How a silent outcome names the person a call was about. */
export const refLabel = (ref: PersonRef): string => `${ref.kind}:${ref.value}`
const ignored = (ref: PersonRef, detail = 'the person is suppressed: the call is ignored'): SilentOutcome => ({silent: 'ignored', identifier: refLabel(ref), detail})
const dropped = (ref: PersonRef): SilentOutcome => ({
  silent: 'dropped',
  identifier: refLabel(ref),
  detail: `no person has cio_id ${ref.value} (unknown or deleted): the request is dropped`,
})
const notApplied = (ref: PersonRef, detail: string): SilentOutcome => ({silent: 'not_applied', identifier: refLabel(ref), detail: `attribute update failure: ${detail}`})

/**
 * Customer.io's person semantics (cio-api.md §3-§6) over a Repository: identify merges
 * attributes, `_update` never creates, suppression leaves a tombstone that silently swallows
 * later calls, merges move recent events, event ids dedupe.
 */
export class FullWorkspace implements Workspace {
  private duplicates = 0

  constructor(private readonly repo: Repository) {}

  transaction<T>(fn: () => T): T {
    return this.repo.transaction(fn)
  }

  apply(op: Operation, now: number): ApplyResult {
    switch (op.op) {
      case 'identify':
        return this.identify(op.ref, op.attributes, op.updateOnly, op.timestamp, now)
      case 'delete':
        return this.deletePerson(op.ref)
      case 'suppress':
        return this.suppress(op.ref)
      case 'unsuppress':
        return this.unsuppress(op.ref)
      case 'event':
        return this.event(op, now)
      case 'add_device':
        return this.addDevice(op.ref, op.device)
      case 'delete_device':
        return this.deleteDevice(op.ref, op.deviceId)
      case 'merge':
        return this.merge(op.primary, op.secondary, now)
      case 'person_relationships':
        return this.personRelationships(op.ref, op.relationships, op.add)
      case 'object_identify':
        return this.objectIdentify(op.object, op.attributes, op.people)
      case 'object_identify_anonymous':
        return this.objectIdentifyAnonymous(op.object, op.anonymousId, op.attributes)
      case 'object_delete':
        return this.objectDelete(op.object)
      case 'object_relationships':
        return this.objectRelationships(op.object, op.people, op.add)
      case 'delivery_event':
        // Delivery metrics change no person or event data the inspection API shows.
        return undefined
    }
  }

  people(): PersonView[] {
    return this.repo.listPeople().map(toPersonView)
  }

  person(identifier: string): PersonView | undefined {
    const found = this.lookup(identifier)
    return found ? toPersonView(found) : undefined
  }

  personBy(kind: IdentifierKind, value: string): PersonView | undefined {
    const found = this.repo.findPerson(kind, value)
    return found ? toPersonView(found) : undefined
  }

  events(personIdentifier?: string): EventView[] {
    if (personIdentifier === undefined) return this.repo.listEvents().map(toEventView)
    const found = this.lookup(personIdentifier)
    return found ? this.repo.listEvents(found.cioId).map(toEventView) : []
  }

  objects(): ObjectView[] {
    return this.repo.listObjects().map(toObjectView)
  }

  counts(): WorkspaceCounts {
    return {people: this.repo.countPeople(), events: this.repo.countEvents(), duplicateEventIds: this.duplicates}
  }

  reset(): void {
    this.repo.clear()
    this.duplicates = 0
  }

  close(): void {
    this.repo.close()
  }

  private lookup(identifier: string): PersonRecord | undefined {
    return (
      this.repo.findPerson('id', identifier) ??
      this.repo.findPerson('email', identifier) ??
      this.repo.findPerson('phone', identifier) ??
      this.repo.findPerson('cio_id', identifier.startsWith('cio_') ? identifier.slice(4) : identifier)
    )
  }

  private find(ref: PersonRef): PersonRecord | undefined {
    return this.repo.findPerson(ref.kind, ref.value)
  }

  /** Finds the person or creates an empty one; a missing cio_id cannot be created, so the call is dropped. */
  private findOrCreate(ref: PersonRef): PersonRecord | SilentOutcome {
    const found = this.find(ref)
    if (found) return found
    if (ref.kind === 'cio_id') return dropped(ref)
    const created: PersonRecord = {cioId: this.repo.nextCioId(), attributes: {}, devices: {}, suppressed: false, [ref.kind]: ref.value}
    this.repo.savePerson(created)
    return created
  }

  /**
   * The Track spec's identify (PUT /customers/{identifier}): a new path identifier whose body
   * identifier belongs to someone makes that person take the path identifier (lead merge); path and
   * body naming different people is an attribute update failure that the 200 hides.
   */
  private identify(
    ref: PersonRef,
    attributes: Record<string, unknown>,
    updateOnly: boolean,
    timestamp: number | undefined,
    now: number,
  ): ApplyResult {
    const person = this.find(ref)
    if (person?.suppressed) return ignored(ref)
    if (!person && ref.kind === 'cio_id') return dropped(ref)
    if (!person && updateOnly) return undefined

    const bodyId = typeof attributes.id === 'string' || typeof attributes.id === 'number' ? String(attributes.id) : undefined
    const bodyEmail = typeof attributes.email === 'string' && attributes.email !== '' ? attributes.email : undefined
    if (ref.kind !== 'cio_id' && bodyId !== undefined && person?.id !== undefined && person.id !== bodyId) {
      return {reason: 'invalid', field: 'id', message: Messages.idMismatch}
    }

    const owners = new Map<string, {person: PersonRecord; named: string}>()
    const named: Array<[string, string | undefined]> = [['id', bodyId], ['email', bodyEmail]]
    for (const [kind, value] of named) {
      if (value === undefined) continue
      const owner = this.repo.findPerson(kind as 'id' | 'email', value)
      if (owner?.suppressed) return ignored(ref, `${kind} '${value}' belongs to a suppressed person: the call is ignored`)
      if (owner && owner.cioId !== person?.cioId && !owners.has(owner.cioId)) owners.set(owner.cioId, {person: owner, named: `${kind} '${value}'`})
    }

    const others = [...owners.values()]
    if (others.length > 1) return notApplied(ref, `${others.map((o) => o.named).join(' and ')} belong to different people`)
    let target = person
    let merge: SilentOutcome | undefined
    if (others.length === 1) {
      const {person: owner, named: what} = others[0]
      if (person) return notApplied(ref, `${what} belongs to another person (cio_id ${owner.cioId})`)
      // Identifiers that are set change only through a cio_id path, so an owner with another value is a failure.
      const held = owner[ref.kind as 'id' | 'email' | 'phone']
      if (held !== undefined) return notApplied(ref, `${what} belongs to cio_id ${owner.cioId}, whose ${ref.kind} is already '${held}'`)
      target = owner
      merge = {silent: 'merged', identifier: refLabel(ref), detail: `${what} belongs to cio_id ${owner.cioId}, which was updated and given ${ref.kind} '${ref.value}'`}
    }

    const base: PersonRecord = target ?? {cioId: this.repo.nextCioId(), attributes: {}, devices: {}, suppressed: false, [ref.kind]: ref.value}
    const next: PersonRecord = {...base, attributes: {...base.attributes}}
    if (merge) next[ref.kind as 'id' | 'email' | 'phone'] = ref.value
    if (bodyId !== undefined) next.id = bodyId
    if (bodyEmail !== undefined) next.email = bodyEmail

    // An update stamped older than the last one applied may only fill gaps, never overwrite.
    const stale = timestamp !== undefined && base.lastTimestamp !== undefined && timestamp < base.lastTimestamp
    for (const name in attributes) {
      if (name === 'id') continue
      if (stale && name in next.attributes) continue
      const value = attributes[name]
      if (value === '' || value === null) {
        delete next.attributes[name]
        if (name === 'email' && ref.kind !== 'email') delete next.email
      } else {
        next.attributes[name] = value
      }
    }

    if (timestamp !== undefined && !stale) next.lastTimestamp = timestamp
    this.repo.savePerson(next)

    if (typeof attributes.anonymous_id === 'string' && attributes.anonymous_id !== '') {
      this.repo.claimAnonymousEvents(attributes.anonymous_id, next.cioId, now - THIRTY_DAYS_SECONDS)
    }

    return merge
  }

  private deletePerson(ref: PersonRef): ApplyResult {
    const person = this.find(ref)
    if (!person || person.suppressed) return undefined
    this.repo.removeEventsOf(person.cioId)
    this.repo.removePerson(person.cioId)
    return undefined
  }

  private suppress(ref: PersonRef): ApplyResult {
    const person = this.find(ref)
    if (person?.suppressed) return undefined
    if (person) {
      this.repo.removeEventsOf(person.cioId)
      this.repo.savePerson({cioId: person.cioId, id: person.id, email: person.email, phone: person.phone, attributes: {}, devices: {}, suppressed: true})
      return undefined
    }

    // Suppressing someone never seen still blocks the identifier from being added later.
    if (ref.kind === 'cio_id') return undefined
    this.repo.savePerson({cioId: this.repo.nextCioId(), [ref.kind]: ref.value, attributes: {}, devices: {}, suppressed: true})
    return undefined
  }

  private unsuppress(ref: PersonRef): ApplyResult {
    const person = this.find(ref)
    // Unsuppressing frees the identifiers; it does not bring the old profile back.
    if (person?.suppressed) this.repo.removePerson(person.cioId)
    return undefined
  }

  private event(op: Extract<Operation, {op: 'event'}>, now: number): ApplyResult {
    let personCioId: string | null = null
    if (op.ref) {
      const person = this.find(op.ref)
      if (person?.suppressed) return ignored(op.ref)
      const target = person ?? this.findOrCreate(op.ref)
      if ('silent' in target) return target
      personCioId = target.cioId
    }

    if (op.id !== undefined && !this.repo.rememberEventId(op.id.toUpperCase())) {
      this.duplicates++
      return undefined
    }

    this.repo.insertEvent({
      person: personCioId,
      anonymousId: op.anonymousId,
      name: op.name,
      type: op.type,
      timestamp: op.timestamp ?? now,
      id: op.id,
      data: op.data,
    })
    return undefined
  }

  private addDevice(ref: PersonRef, device: DeviceInput): ApplyResult {
    const existing = this.find(ref)
    if (existing?.suppressed) return ignored(ref)
    const person = existing ?? this.findOrCreate(ref)
    if ('silent' in person) return person
    const record = {
      id: device.id,
      ...(device.platform === undefined ? {} : {platform: device.platform}),
      ...(device.lastUsed === undefined ? {} : {last_used: device.lastUsed}),
      ...(device.attributes === undefined ? {} : {attributes: device.attributes}),
    }
    this.repo.savePerson({...person, devices: {...person.devices, [device.id]: record}})
    return undefined
  }

  private deleteDevice(ref: PersonRef, deviceId: string): ApplyResult {
    const person = this.find(ref)
    if (!person || person.suppressed || !(deviceId in person.devices)) return undefined
    const devices = {...person.devices}
    delete devices[deviceId]
    this.repo.savePerson({...person, devices})
    return undefined
  }

  private merge(primaryRef: PersonRef, secondaryRef: PersonRef, now: number): ApplyResult {
    const primary = this.find(primaryRef)
    const secondary = this.find(secondaryRef)
    // The primary must already exist, otherwise the merge does nothing (cio-api.md §3.4).
    if (!primary || !secondary || primary.suppressed || secondary.suppressed || primary.cioId === secondary.cioId) return undefined

    const attributes = {...primary.attributes}
    for (const name in secondary.attributes) {
      const current = attributes[name]
      if (current === undefined || current === null || current === '') attributes[name] = secondary.attributes[name]
    }

    this.repo.moveEvents(secondary.cioId, primary.cioId, now - THIRTY_DAYS_SECONDS)
    this.repo.removePerson(secondary.cioId)
    this.repo.savePerson({
      ...primary,
      email: primary.email ?? secondary.email,
      phone: primary.phone ?? secondary.phone,
      attributes,
      devices: {...secondary.devices, ...primary.devices},
    })
    return undefined
  }

  private findOrCreateObject(ref: ObjectRef): ObjectRecord | ApplyError {
    const found = this.repo.findObject(ref)
    if (found) return {...found, attributes: {...found.attributes}, relationships: {...found.relationships}}
    if ('cioObjectId' in ref) return invalidIdentifier('identifiers.cio_object_id')
    return {objectTypeId: ref.objectTypeId, objectId: ref.objectId, cioObjectId: this.repo.nextCioObjectId(), attributes: {}, relationships: {}}
  }

  private personRelationships(ref: PersonRef, relationships: RelationshipInput[], add: boolean): ApplyResult {
    const existing = this.find(ref)
    if (existing?.suppressed) return ignored(ref)
    if (!existing && !add) return undefined
    const person = existing ?? this.findOrCreate(ref)
    if ('silent' in person) return person
    for (const relationship of relationships) {
      const object = this.findOrCreateObject(relationship.object)
      if ('reason' in object) return object
      if (add) object.relationships[person.cioId] = relationship.attributes ?? {}
      else delete object.relationships[person.cioId]
      this.repo.saveObject(object)
    }

    return undefined
  }

  private objectIdentify(ref: ObjectRef, attributes: Record<string, unknown>, people: PersonRef[]): ApplyResult {
    const object = this.findOrCreateObject(ref)
    if ('reason' in object) return object
    mergeAttributes(object.attributes, attributes)
    for (const personRef of people) {
      const person = this.findOrCreate(personRef)
      if ('silent' in person) return person
      if (!person.suppressed) object.relationships[person.cioId] = {}
    }

    this.repo.saveObject(object)
    return undefined
  }

  private objectIdentifyAnonymous(ref: ObjectRef, anonymousId: string, attributes: Record<string, unknown>): ApplyResult {
    const object = this.findOrCreateObject(ref)
    if ('reason' in object) return object
    mergeAttributes(object.attributes, attributes)
    object.relationships[`anonymous:${anonymousId}`] = {}
    this.repo.saveObject(object)
    return undefined
  }

  private objectDelete(ref: ObjectRef): ApplyResult {
    const object = this.repo.findObject(ref)
    if (object) this.repo.removeObject(object)
    return undefined
  }

  private objectRelationships(ref: ObjectRef, people: PersonRef[], add: boolean): ApplyResult {
    const object = this.findOrCreateObject(ref)
    if ('reason' in object) return object
    for (const personRef of people) {
      if (add) {
        const person = this.findOrCreate(personRef)
        if ('silent' in person) return person
        if (!person.suppressed) object.relationships[person.cioId] = {}
      } else {
        const person = this.find(personRef)
        if (person) delete object.relationships[person.cioId]
      }
    }

    this.repo.saveObject(object)
    return undefined
  }
}

/** An empty string or null removes an attribute; anything else sets it. */
function mergeAttributes(target: Record<string, unknown>, changes: Record<string, unknown>): void {
  for (const name in changes) {
    const value = changes[name]
    if (value === '' || value === null) delete target[name]
    else target[name] = value
  }
}
