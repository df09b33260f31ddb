import {describe, expect, it} from 'vitest'

import {clientFor, emulator, failure, ULID_A, ULID_B} from './emulator-fixture.js'

async function post(url: string, emu: {siteId: string; apiKey: string}, body: string): Promise<{status: number; json: unknown}> {
  const auth = `Basic ${Buffer.from(`${emu.siteId}:${emu.apiKey}`).toString('base64')}`
  const res = await fetch(url, {method: 'POST', headers: {authorization: auth, 'content-type': 'application/json'}, body})
  return {status: res.status, json: await res.json()}
}

describe('Track API v2 batch and entity', () => {
  it('a batch with a partial failure answers 207, lists only the failures and applies every valid entry in order', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    // customerio-node resolves on any 2xx: the 207 body comes back as the result, not as an error.
    const result = await cio.batch([
      {type: 'person', identifiers: {id: 'a'}, action: 'identify', attributes: {plan: 'free'}},
      {type: 'person', identifiers: {id: 'a', email: 'a@example.com'}, action: 'identify', attributes: {}},
      {type: 'person', identifiers: {id: 'a'}, action: 'event', name: 'purchase', id: ULID_A, attributes: {price: 3}},
      {type: 'person', identifiers: {id: 'a'}, action: 'event', attributes: {}},
      {type: 'person', identifiers: {id: 'a'}, action: 'identify', attributes: {plan: 'pro'}},
      {type: 'person', identifiers: {id: 'a'}, action: 'fly'},
      {type: 'planet', action: 'identify'},
    ])
    expect(result).toEqual({
      errors: [
        {batch_index: 1, reason: 'invalid', field: 'identifiers', message: 'identifiers must have exactly one of id, email, phone or cio_id'},
        {batch_index: 3, reason: 'required', field: 'name', message: 'event name must not be blank'},
        {batch_index: 5, reason: 'invalid', field: 'action', message: 'unknown action for type \'person\': "fly"'},
        {batch_index: 6, reason: 'invalid', field: 'type', message: "type must be one of 'person', 'object' or 'delivery'"},
      ],
    })
    expect(emu.inspect.person('a')?.attributes).toEqual({plan: 'pro'})
    expect(emu.inspect.events('a')).toEqual([expect.objectContaining({name: 'purchase', id: ULID_A, data: {price: 3}, type: 'event'})])
    expect(emu.inspect.stats()).toMatchObject({entriesApplied: 3, requests: {byStatus: {207: 1}}})
  })

  it('answers 207 with the v2 envelope on the wire', async () => {
    const emu = await emulator()
    const res = await post(`${emu.url}/api/v2/batch`, emu, JSON.stringify({batch: [{type: 'person', identifiers: {id: 'x'}, action: 'event'}]}))
    expect(res).toEqual({status: 207, json: {errors: [{batch_index: 0, reason: 'required', field: 'name', message: 'event name must not be blank'}]}})
  })

  it('whole-request problems are a 400 without batch_index', async () => {
    const emu = await emulator()
    expect(await post(`${emu.url}/api/v2/batch`, emu, '{"batch": [')).toEqual({
      status: 400,
      json: {errors: [{reason: 'invalid', field: 'body', message: 'request body is not valid JSON'}]},
    })
    expect(await post(`${emu.url}/api/v2/batch`, emu, '{"batch": {}}')).toEqual({
      status: 400,
      json: {errors: [{reason: 'invalid', field: 'batch', message: 'batch must be an array of entries'}]},
    })
    expect((await post(`${emu.url}/api/v2/entity`, emu, '{"type":"person","identifiers":{"id":"p"},"action":"event"}')).status).toBe(400)
  })

  it('accepts anonymous event, page and screen entries addressed by identifiers.anonymous_id', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    expect(
      await cio.batch([
        {type: 'person', identifiers: {anonymous_id: 'anon-7'}, action: 'event', name: 'signup_started', id: ULID_B, timestamp: 1_700_000_000},
        {type: 'person', identifiers: {anonymous_id: 'anon-7'}, action: 'page', name: '/pricing', attributes: {title: 'Pricing'}},
        {type: 'person', identifiers: {anonymous_id: 'anon-7'}, action: 'screen', name: 'home'},
      ]),
    ).toEqual({})
    expect(emu.inspect.events()).toEqual([
      {person: null, anonymous_id: 'anon-7', name: 'signup_started', type: 'event', timestamp: 1_700_000_000, id: ULID_B, data: {}},
      expect.objectContaining({anonymous_id: 'anon-7', type: 'page', data: {title: 'Pricing'}}),
      expect.objectContaining({anonymous_id: 'anon-7', type: 'screen'}),
    ])
  })

  it('dedupes event ids across v1 and v2 and counts the duplicates', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    await cio.track('u1', {name: 'a', id: ULID_A})
    expect(
      await cio.batch([
        {type: 'person', identifiers: {id: 'u1'}, action: 'event', name: 'a', id: ULID_A},
        {type: 'person', identifiers: {id: 'u1'}, action: 'event', name: 'b', id: ULID_B},
        {type: 'person', identifiers: {id: 'u1'}, action: 'event', name: 'b', id: ULID_B},
      ]),
    ).toEqual({})
    expect(emu.inspect.events().map((e) => e.name)).toEqual(['a', 'b'])
    expect(emu.inspect.stats().duplicateEventIds).toBe(2)
  })

  it('supports every person action plus object identify and delete', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    const person = (action: string, extra: Record<string, unknown> = {}, identifiers: Record<string, unknown> = {id: 'p1'}) => ({type: 'person', identifiers, action, ...extra})
    expect(
      await cio.batch([
        person('identify', {attributes: {email: 'p1@example.com', plan: 'pro'}}),
        person('identify', {attributes: {_update: true, plan: 'x'}}, {id: 'nobody'}),
        person('add_device', {device: {token: 'tok', platform: 'android', last_used: 5}}),
        person('identify', {attributes: {first: 'Sec'}}, {email: 'sec@example.com'}),
        {type: 'person', action: 'merge', primary: {id: 'p1'}, secondary: {email: 'sec@example.com'}},
        {type: 'object', identifiers: {object_type_id: '1', object_id: 'acme'}, action: 'identify', attributes: {name: 'Acme'}, cio_relationships: [{identifiers: {id: 'p1'}}]},
        person('add_relationships', {cio_relationships: [{identifiers: {object_type_id: '1', object_id: 'globex'}, relationship_attributes: {role: 'admin'}}]}),
        person('delete_relationships', {cio_relationships: [{identifiers: {object_type_id: '1', object_id: 'acme'}}]}),
        {type: 'object', identifiers: {object_type_id: '1', object_id: 'initech'}, action: 'identify', attributes: {}},
        {type: 'object', identifiers: {object_type_id: '1', object_id: 'initech'}, action: 'delete'},
        person('identify', {attributes: {a: 1}}, {id: 'gone'}),
        person('delete', {}, {id: 'gone'}),
        person('identify', {attributes: {a: 1}}, {id: 'sup'}),
        person('suppress', {}, {id: 'sup'}),
        person('identify', {attributes: {b: 2}}, {id: 'sup'}),
        person('unsuppress', {}, {id: 'sup'}),
        {type: 'delivery', action: 'event', identifiers: {id: 'dlv_1'}, name: 'opened', attributes: {}},
      ]),
    ).toEqual({})
    expect(emu.inspect.person('p1')).toMatchObject({attributes: {email: 'p1@example.com', plan: 'pro', first: 'Sec'}, devices: [{id: 'tok', platform: 'android', last_used: 5}]})
    expect(emu.inspect.person('nobody')).toBeUndefined()
    // The secondary is gone; the primary keeps its own email.
    expect(emu.inspect.person('sec@example.com')).toBeUndefined()
    expect(emu.inspect.person('p1')?.email).toBe('p1@example.com')
    expect(emu.inspect.person('gone')).toBeUndefined()
    expect(emu.inspect.person('sup')).toBeUndefined()
    const p1 = emu.inspect.person('p1')!.cio_id
    expect(emu.inspect.objects()).toEqual([
      expect.objectContaining({object_id: 'acme', attributes: {name: 'Acme'}, relationships: []}),
      expect.objectContaining({object_id: 'globex', relationships: [{person: p1, attributes: {role: 'admin'}}]}),
    ])

    await cio.batch([person('delete_device', {device: {token: 'tok'}})])
    expect(emu.inspect.person('p1')?.devices).toBeUndefined()
  })

  it('answers identifier conflicts and unknown cio_ids with 200, as production does, and records them', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    await cio.identify('owner', {email: 'taken@example.com'})
    const result = await cio.batch([
      {type: 'person', identifiers: {id: 'other'}, action: 'identify', attributes: {email: 'taken@example.com'}},
      {type: 'person', identifiers: {cio_id: 'ffff0000'}, action: 'identify', attributes: {a: 1}},
    ])
    expect(result).toEqual({})
    expect(emu.inspect.person('other')).toBeUndefined()
    expect(emu.inspect.silent().map((r) => [r.silent, r.identifier, r.batchIndex])).toEqual([
      ['not_applied', 'id:other', 0],
      ['dropped', 'cio_id:ffff0000', 1],
    ])
  })

  it('entity applies one entry and rejects a bad one with 400', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    expect(await cio.entity({type: 'person', identifiers: {email: 'E@x.io'}, action: 'identify', attributes: {a: 1}})).toEqual({})
    expect(emu.inspect.person('e@X.io')?.attributes).toEqual({a: 1})
    const f = await failure(cio.entity({type: 'person', identifiers: {id: 'x'}, action: 'page'}))
    expect(f.statusCode).toBe(400)
    expect(JSON.parse(f.body as string)).toEqual({errors: [{reason: 'required', field: 'name', message: 'event name must not be blank'}]})
  })
})
