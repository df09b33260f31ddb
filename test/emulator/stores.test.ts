import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import Database from 'better-sqlite3'
import {afterAll, describe, expect, it} from 'vitest'

import {clientFor, emulator, ULID_A, ULID_B} from './emulator-fixture.js'

const dir = mkdtempSync(join(tmpdir(), 'cio-emulator-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('SQLite store (--db)', () => {
  it('keeps what landed in the file, and reopening it continues with earlier data', async () => {
    const file = join(dir, 'rehearsal.db')
    const first = await emulator({store: {sqlite: file}})
    const cio = clientFor(first)
    await cio.identify('u1', {email: 'U1@example.com', plan: 'pro'})
    await cio.track('u1', {name: 'purchase', id: ULID_A, data: {price: 9}})
    await cio.batch([{type: 'person', identifiers: {anonymous_id: 'anon'}, action: 'event', name: 'visit'}])
    await cio.addDevice('u1', 'tok', 'ios')
    const cioId = first.inspect.person('u1')!.cio_id
    await first.close()

    // The file is plain SQLite a user can query.
    const db = new Database(file, {readonly: true})
    expect(db.prepare('SELECT id, email FROM people').all()).toEqual([{id: 'u1', email: 'U1@example.com'}])
    expect(db.prepare('SELECT name FROM events ORDER BY seq').all()).toEqual([{name: 'purchase'}, {name: 'visit'}])
    db.close()

    const second = await emulator({store: {sqlite: file}})
    expect(second.inspect.person('u1@EXAMPLE.com')).toMatchObject({cio_id: cioId, id: 'u1', attributes: {plan: 'pro'}, devices: [{id: 'tok', platform: 'ios'}]})
    expect(second.inspect.events('u1')).toEqual([{person: cioId, name: 'purchase', type: 'event', timestamp: expect.any(Number), id: ULID_A, data: {price: 9}}])

    const cio2 = clientFor(second)
    await cio2.track('u1', {name: 'purchase', id: ULID_A})
    await cio2.identify('u2', {plan: 'free'})
    await cio2.identify('u1', {anonymous_id: 'anon'})
    expect(second.inspect.stats()).toMatchObject({peopleCount: 2, eventCount: 2, duplicateEventIds: 1})
    expect(second.inspect.person('u2')!.cio_id).not.toBe(cioId)
    expect(second.inspect.events('u1').map((e) => e.name)).toEqual(['purchase', 'visit'])

    second.inspect.reset()
    expect(second.inspect.people()).toEqual([])
  })

  it('applies the same semantics as memory: suppress, merge, delete', async () => {
    const emu = await emulator({store: {sqlite: join(dir, 'semantics.db')}})
    const cio = clientFor(emu)
    await cio.identify('a', {x: 1})
    await cio.identify('b@example.com', {y: 2})
    await cio.track('b@example.com', {name: 'e'})
    await cio.mergeCustomers('id' as never, 'a', 'email' as never, 'b@example.com')
    expect(emu.inspect.person('a')).toMatchObject({email: 'b@example.com', attributes: {x: 1, y: 2}})
    expect(emu.inspect.events('a')).toHaveLength(1)
    await cio.suppress('a')
    await cio.identify('a', {z: 3})
    expect(emu.inspect.person('a')).toMatchObject({suppressed: true, attributes: {}})
    expect(emu.inspect.stats().peopleCount).toBe(0)
    await cio.unsuppress('a')
    expect(emu.inspect.people()).toEqual([])
  })
})

describe("'count' store", () => {
  it('counts without keeping people or events, and still dedupes event ids', async () => {
    const emu = await emulator({store: 'count'})
    const cio = clientFor(emu)
    await cio.batch([
      {type: 'person', identifiers: {id: 'a'}, action: 'identify', attributes: {}},
      {type: 'person', identifiers: {id: 'b'}, action: 'identify', attributes: {}},
      {type: 'person', identifiers: {id: 'a'}, action: 'event', name: 'x', id: ULID_A},
      {type: 'person', identifiers: {id: 'a'}, action: 'event', name: 'x', id: ULID_A},
      {type: 'person', identifiers: {id: 'a'}, action: 'event', name: 'y', id: ULID_B},
      {type: 'person', identifiers: {id: 'a'}, action: 'event', name: 'z'},
    ])
    expect(emu.inspect.stats()).toMatchObject({peopleCount: 2, eventCount: 3, duplicateEventIds: 1, entriesApplied: 6})
    expect(emu.inspect.people()).toEqual([])
    expect(emu.inspect.events()).toEqual([])
  })
})
