import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {clientFor, emulator, failure} from './emulator-fixture.js'

async function call(url: string, init: RequestInit = {}): Promise<{status: number; json: any}> {
  const res = await fetch(url, init)
  return {status: res.status, json: await res.json()}
}

describe('production-faithful silent outcomes (Track spec: 200 answers that hide what happened)', () => {
  it('a new path id whose body email belongs to a lead merges into that person (v1)', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    await cio.identify('lead@example.com', {source: 'form'})
    const cioId = emu.inspect.person('lead@example.com')!.cio_id
    expect(await cio.identify('u1', {email: 'LEAD@example.com', plan: 'pro'})).toEqual({})

    expect(emu.inspect.people()).toHaveLength(1)
    expect(emu.inspect.person('u1')).toMatchObject({cio_id: cioId, id: 'u1', attributes: {source: 'form', plan: 'pro'}})
    expect(emu.inspect.silent()).toEqual([
      expect.objectContaining({silent: 'merged', identifier: 'id:u1', entry: {identifier: 'u1', body: {email: 'LEAD@example.com', plan: 'pro'}}}),
    ])
    expect(emu.inspect.stats().silent).toEqual({merged: 1, not_applied: 0, dropped: 0, ignored: 0})
  })

  it('path and body naming two different people is an attribute update failure: 200, nothing written', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    await cio.identify('a', {email: 'a@example.com', plan: 'free'})
    await cio.identify('b', {email: 'b@example.com', plan: 'free'})
    // v1: existing path person, body email of another.
    expect(await cio.identify('a', {email: 'b@example.com', plan: 'pro'})).toEqual({})
    // v2: a new id whose email belongs to someone who already has an id is not a lead merge.
    expect(await cio.batch([{type: 'person', identifiers: {id: 'c'}, action: 'identify', attributes: {email: 'a@example.com', plan: 'x'}}])).toEqual({})

    expect(emu.inspect.person('a')).toMatchObject({email: 'a@example.com', attributes: {email: 'a@example.com', plan: 'free'}})
    expect(emu.inspect.person('c')).toBeUndefined()
    const silent = emu.inspect.silent()
    expect(silent.map((r) => [r.silent, r.identifier])).toEqual([
      ['not_applied', 'id:a'],
      ['not_applied', 'id:c'],
    ])
    expect(silent[0].detail).toMatch(/attribute update failure: email 'b@example.com' belongs to another person/)
    expect(silent[1]).toMatchObject({batchIndex: 0, entry: {identifiers: {id: 'c'}}})
  })

  it('the SQLite store merges and refuses the same way, and reopening keeps the merged person', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cio-silent-'))
    try {
      const file = join(dir, 'emu.db')
      const emu = await emulator({store: {sqlite: file}, suppressed: ['gone']})
      const cio = clientFor(emu)
      await cio.identify('lead@example.com', {source: 'form'})
      await cio.identify('u1', {email: 'lead@example.com', plan: 'pro'})
      await cio.identify('u2', {email: 'LEAD@example.com', plan: 'x'})
      await cio.identify('gone', {plan: 'x'})
      expect(emu.inspect.stats().silent).toEqual({merged: 1, not_applied: 1, dropped: 0, ignored: 1})
      await emu.close()

      const reopened = await emulator({store: {sqlite: file}})
      expect(reopened.inspect.people().filter((p) => !p.suppressed)).toEqual([
        expect.objectContaining({id: 'u1', email: 'lead@example.com', attributes: {source: 'form', email: 'lead@example.com', plan: 'pro'}}),
      ])
      await reopened.close()
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('an unknown cio_id is dropped for identify, events and devices', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    expect(await cio.track('cio_abc', {name: 'x'})).toEqual({})
    expect(await cio.batch([{type: 'person', identifiers: {cio_id: 'abc'}, action: 'identify', attributes: {a: 1}}])).toEqual({})
    expect(emu.inspect.people()).toEqual([])
    expect(emu.inspect.events()).toEqual([])
    expect(emu.inspect.stats().silent.dropped).toBe(2)
  })

  it('suppressed people (seeded, or marked through /__emulator/suppress) are answered 200 and ignored', async () => {
    const emu = await emulator({suppressed: ['gone', 'gone@example.com']})
    const cio = clientFor(emu)
    const marked = await call(`${emu.url}/__emulator/suppress`, {method: 'POST', body: JSON.stringify({people: ['later']})})
    expect(marked).toEqual({status: 200, json: {suppressed: 1}})
    expect(await call(`${emu.url}/__emulator/suppress`, {method: 'POST', body: '{"people": [1]}'})).toMatchObject({status: 400})

    expect(await cio.identify('gone', {plan: 'pro'})).toEqual({})
    expect(await cio.identify('new', {email: 'gone@example.com'})).toEqual({})
    expect(await cio.batch([{type: 'person', identifiers: {id: 'later'}, action: 'event', name: 'e'}])).toEqual({})
    expect(emu.inspect.person('new')).toBeUndefined()
    expect(emu.inspect.events()).toEqual([])
    expect(emu.inspect.stats()).toMatchObject({peopleCount: 0, silent: {ignored: 3}})

    const listed = await call(`${emu.url}/__emulator/silent?kind=ignored`)
    expect(listed.status).toBe(200)
    expect(listed.json.map((r: {identifier: string}) => r.identifier)).toEqual(['id:gone', 'id:new', 'id:later'])
    expect(listed.json[1].detail).toMatch(/email 'gone@example.com' belongs to a suppressed person/)
    expect((await call(`${emu.url}/__emulator/silent?kind=nope`)).status).toBe(400)

    emu.inspect.reset()
    expect(emu.inspect.silent()).toEqual([])
    expect(emu.inspect.stats().silent).toEqual({merged: 0, not_applied: 0, dropped: 0, ignored: 0})
  })

  it('accepts the documented v1 cio_relationships object {action, relationships}', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    const acme = {identifiers: {object_type_id: '1', object_id: 'acme'}}
    await cio.identify('p1', {cio_relationships: {action: 'add_relationships', relationships: [acme]}})
    const p1 = emu.inspect.person('p1')!.cio_id
    expect(emu.inspect.objects()).toEqual([expect.objectContaining({object_id: 'acme', relationships: [{person: p1, attributes: {}}]})])
    await cio.identify('p1', {cio_relationships: {action: 'delete_relationships', relationships: [acme]}})
    expect(emu.inspect.objects()[0].relationships).toEqual([])

    const f = await failure(cio.identify('p1', {cio_relationships: {action: 'swap', relationships: [acme]}}))
    expect(f.statusCode).toBe(400)
    expect(JSON.parse(f.body as string)).toEqual({meta: {errors: ["cio_relationships.action must be 'add_relationships' or 'delete_relationships'"]}})
  })

  it('answers with the published v1 error strings', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    const errors = async (p: Promise<unknown>) => JSON.parse((await failure(p)).body as string).meta.errors
    // customerio-node refuses a blank name itself, so this one goes over raw HTTP.
    const auth = `Basic ${Buffer.from(`${emu.siteId}:${emu.apiKey}`).toString('base64')}`
    const blank = await call(`${emu.url}/api/v1/customers/u1/events`, {method: 'POST', headers: {authorization: auth}, body: '{"name":" "}'})
    expect(blank).toEqual({status: 400, json: {meta: {errors: ['event name must not be blank']}}})
    expect(await errors(cio.track('u1', {name: 'e', data: 'text'} as never))).toEqual(['event data must be a hash'])
    expect(await errors(cio.identify('u1', {id: 5}))).toEqual(['id attribute must be a string value'])
  })
})
