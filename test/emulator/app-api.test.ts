import {describe, expect, it} from 'vitest'

import {clientFor, emulator} from './emulator-fixture.js'

describe('App API read-back (GET /v1/customers/{id}/attributes, POST /v1/customers/attributes)', () => {
  it('answers attributes as strings, by id, email or cio_id, with a Bearer key', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    await cio.identify('u1', {email: 'u1@example.com', age: 42, vip: true, tags: ['a'], created_at: 1489014595})
    const cioId = emu.inspect.person('u1')!.cio_id
    const auth = {authorization: `Bearer ${emu.appApiKey}`}
    const get = async (path: string) => {
      const res = await fetch(`${emu.url}${path}`, {headers: auth})
      return {status: res.status, json: await res.json()}
    }

    const expected = {
      customer: {
        id: 'u1',
        attributes: {id: 'u1', email: 'u1@example.com', cio_id: cioId, age: '42', vip: 'true', tags: '["a"]', created_at: '1489014595'},
        timestamps: {},
        unsubscribed: false,
        devices: [],
      },
    }
    expect(await get('/v1/customers/u1/attributes')).toEqual({status: 200, json: expected})
    expect(await get('/v1/customers/U1%40example.com/attributes?id_type=email')).toEqual({status: 200, json: expected})
    expect(await get(`/v1/customers/${cioId}/attributes?id_type=cio_id`)).toEqual({status: 200, json: expected})
    expect((await get('/v1/customers/u1%40example.com/attributes?id_type=id')).status).toBe(404)
    expect((await get('/v1/customers/nobody/attributes')).status).toBe(404)
    expect((await get('/v1/customers/u1/attributes?id_type=phone')).status).toBe(400)

    const wrong = await fetch(`${emu.url}/v1/customers/u1/attributes`, {headers: {authorization: 'Bearer nope'}})
    expect(wrong.status).toBe(401)
    // The Track key is not an App API key.
    const basic = `Basic ${Buffer.from(`${emu.siteId}:${emu.apiKey}`).toString('base64')}`
    expect((await fetch(`${emu.url}/v1/customers/u1/attributes`, {headers: {authorization: basic}})).status).toBe(401)
    // Read-back is not Track traffic.
    expect(emu.inspect.stats().requests.total).toBe(1)
  })

  it('batch: up to 100 ids, unknown and suppressed ones left out, in request order', async () => {
    const emu = await emulator({appApiKey: 'app-secret'})
    const cio = clientFor(emu)
    await cio.identify('a', {n: 1})
    await cio.identify('b', {n: 2})
    await cio.suppress('b')
    const post = async (body: unknown, idType = 'id') => {
      const res = await fetch(`${emu.url}/v1/customers/attributes?id_type=${idType}`, {
        method: 'POST',
        headers: {authorization: 'Bearer app-secret', 'content-type': 'application/json'},
        body: JSON.stringify(body),
      })
      return {status: res.status, json: (await res.json()) as any}
    }

    const found = await post({ids: ['zz', 'a', 'b']})
    expect(found.status).toBe(200)
    expect(found.json.customers.map((c: {customer: {id: string; attributes: {n: string}}}) => [c.customer.id, c.customer.attributes.n])).toEqual([['a', '1']])
    expect((await post({ids: Array.from({length: 101}, (_, i) => String(i))})).status).toBe(400)
    expect((await post({ids: []})).status).toBe(400)
    expect((await post({nope: 1})).status).toBe(400)
  })

  it('answers 429 over 10 requests a second', async () => {
    const emu = await emulator()
    const statuses = await Promise.all(
      Array.from({length: 12}, () => fetch(`${emu.url}/v1/customers/x/attributes`, {headers: {authorization: `Bearer ${emu.appApiKey}`}}).then((r) => r.status)),
    )
    expect(statuses.filter((s) => s === 429)).toHaveLength(2)
    expect(statuses.filter((s) => s === 404)).toHaveLength(10)
  })
})
