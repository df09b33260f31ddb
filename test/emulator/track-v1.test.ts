import {describe, expect, it} from 'vitest'

import {clientFor, emulator, failure, ULID_A} from './emulator-fixture.js'

describe('Track API v1 through customerio-node', () => {
  it('identify creates a person and a second identify merges attributes', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    expect(await cio.identify('u1', {email: 'Ann@Example.com', plan: 'free', seats: 2})).toEqual({})
    expect(await cio.identify('u1', {plan: 'pro'})).toEqual({})

    expect(emu.inspect.people()).toHaveLength(1)
    expect(emu.inspect.person('u1')).toMatchObject({id: 'u1', email: 'Ann@Example.com', attributes: {plan: 'pro', seats: 2}})
    expect(emu.inspect.person('u1')?.cio_id).toMatch(/^[0-9a-f]+$/)
  })

  it('answers 200 with exactly {}\\n and the JSON content type', async () => {
    const emu = await emulator()
    const auth = `Basic ${Buffer.from(`${emu.siteId}:${emu.apiKey}`).toString('base64')}`
    const res = await fetch(`${emu.url}/api/v1/customers/u1`, {method: 'PUT', headers: {authorization: auth, 'content-type': 'application/json'}, body: '{}'})
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(await res.text()).toBe('{}\n')
  })

  it('treats emails case-insensitively as one person, keyed by the email path', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    await cio.identify('Person@Example.com', {first_name: 'Pat'})
    await cio.identify('person@example.COM', {last_name: 'Lee'})
    expect(emu.inspect.people()).toHaveLength(1)
    expect(emu.inspect.person('PERSON@example.com')).toMatchObject({email: 'Person@Example.com', attributes: {first_name: 'Pat', last_name: 'Lee'}})
  })

  it('rejects an id attribute that differs from the path id with the real message', async () => {
    const emu = await emulator()
    const f = await failure(clientFor(emu).identify('u1', {id: 'u2'}))
    expect(f.statusCode).toBe(400)
    expect(JSON.parse(f.body as string)).toEqual({meta: {errors: ['id attribute and identifier are not the same value']}})
    expect(emu.inspect.people()).toEqual([])
  })

  it('addresses a person by cio_<cio_id> and lets that path change the id', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    await cio.identify('old-id', {name: 'x'})
    const cioId = emu.inspect.person('old-id')!.cio_id
    await cio.identify(`cio_${cioId}`, {id: 'new-id'})
    expect(emu.inspect.person('new-id')).toMatchObject({cio_id: cioId, attributes: {name: 'x'}})
    expect(emu.inspect.person('old-id')).toBeUndefined()

    // An unknown cio_id is dropped behind a 200 (the Track spec), and recorded for the rehearsal report.
    expect(await cio.identify('cio_ffffffff', {a: 1})).toEqual({})
    expect(emu.inspect.silent()).toEqual([expect.objectContaining({silent: 'dropped', identifier: 'cio_id:ffffffff', entry: {identifier: 'cio_ffffffff', body: {a: 1}}})])
  })

  it('_update never creates a person but updates an existing one', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    expect(await cio.identify('ghost', {_update: true, plan: 'pro'})).toEqual({})
    expect(emu.inspect.people()).toEqual([])

    await cio.identify('real', {plan: 'free'})
    await cio.identify('real', {_update: true, plan: 'pro'})
    expect(emu.inspect.person('real')?.attributes).toEqual({plan: 'pro'})
  })

  it('an empty string removes an attribute; an older _timestamp cannot overwrite newer values', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    await cio.identify('u1', {plan: 'pro', nickname: 'P', _timestamp: 2000})
    await cio.identify('u1', {nickname: ''})
    await cio.identify('u1', {plan: 'stale', city: 'Oslo', _timestamp: 1000})
    expect(emu.inspect.person('u1')?.attributes).toEqual({plan: 'pro', city: 'Oslo'})
  })

  it('tracks events with name, type, timestamp, data and id, creating the person', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    await cio.track('u9', {name: ' purchase ', timestamp: 1_700_000_000, id: ULID_A, data: {price: 23.45}})
    await cio.trackPageView('u9', '/pricing')
    const person = emu.inspect.person('u9')!
    expect(emu.inspect.events('u9')).toEqual([
      {person: person.cio_id, name: 'purchase', type: 'event', timestamp: 1_700_000_000, id: ULID_A, data: {price: 23.45}},
      expect.objectContaining({person: person.cio_id, name: '/pricing', type: 'page', data: {}}),
    ])
  })

  it('stores a repeated event id once, answers 200 and counts the duplicate', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    expect(await cio.track('u1', {name: 'a', id: ULID_A})).toEqual({})
    expect(await cio.track('u1', {name: 'a', id: ULID_A.toLowerCase()})).toEqual({})
    expect(emu.inspect.events()).toHaveLength(1)
    expect(emu.inspect.stats()).toMatchObject({eventCount: 1, duplicateEventIds: 1, entriesApplied: 2})
  })

  it('rejects an event id that is not a ULID', async () => {
    const emu = await emulator()
    const f = await failure(clientFor(emu).track('u1', {name: 'a', id: 'not-a-ulid'}))
    expect(f.statusCode).toBe(400)
    expect(JSON.parse(f.body as string).meta.errors).toEqual(['event id must be a valid ULID'])
    expect(emu.inspect.events()).toEqual([])
  })

  it('keeps anonymous events and attaches them when a person is identified with that anonymous_id', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    await cio.trackAnonymous('anon-1', {name: 'watched_video', data: {video: 'intro'}})
    expect(emu.inspect.events()).toEqual([expect.objectContaining({person: null, anonymous_id: 'anon-1', name: 'watched_video'})])

    await cio.identify('u1', {anonymous_id: 'anon-1'})
    expect(emu.inspect.events('u1')).toEqual([expect.objectContaining({anonymous_id: 'anon-1', data: {video: 'intro'}})])

    const f = await failure(cio.trackAnonymous('', {name: 'invite'}))
    expect(f.statusCode).toBe(400)
  })

  it('suppress deletes and blocks the identifier until unsuppress frees it', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    await cio.identify('u1', {email: 'u1@example.com', plan: 'pro'})
    await cio.track('u1', {name: 'x'})
    expect(await cio.suppress('u1')).toEqual({})
    expect(emu.inspect.person('u1')).toMatchObject({suppressed: true, attributes: {}})
    expect(emu.inspect.events()).toEqual([])
    expect(emu.inspect.stats().peopleCount).toBe(0)

    // Later calls are answered 200 and have no effect, by id and by the suppressed email.
    expect(await cio.identify('u1', {plan: 'again'})).toEqual({})
    expect(await cio.identify('other', {email: 'U1@example.com'})).toEqual({})
    expect(await cio.track('u1', {name: 'y'})).toEqual({})
    expect(emu.inspect.events()).toEqual([])
    expect(emu.inspect.person('other')).toBeUndefined()

    await cio.unsuppress('u1')
    expect(emu.inspect.person('u1')).toBeUndefined()
    await cio.identify('u1', {plan: 'fresh'})
    expect(emu.inspect.person('u1')?.attributes).toEqual({plan: 'fresh'})
  })

  it('delete removes the person and their events; identify can recreate them', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    await cio.identify('u1', {a: 1})
    await cio.track('u1', {name: 'x'})
    await cio.destroy('u1')
    expect(emu.inspect.people()).toEqual([])
    expect(emu.inspect.events()).toEqual([])
    await cio.identify('u1', {b: 2})
    expect(emu.inspect.person('u1')?.attributes).toEqual({b: 2})
  })

  it('merge moves attributes the primary lacks and recent events, and deletes the secondary', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    await cio.identify('primary', {plan: 'pro'})
    await cio.identify('dup@example.com', {plan: 'free', city: 'Oslo'})
    await cio.track('dup@example.com', {name: 'recent'})
    await cio.track('dup@example.com', {name: 'ancient', timestamp: 1_000_000})

    // A primary that does not exist makes the merge do nothing.
    expect(await cio.mergeCustomers('id' as never, 'nobody', 'email' as never, 'dup@example.com')).toEqual({})
    expect(emu.inspect.people()).toHaveLength(2)

    await cio.mergeCustomers('id' as never, 'primary', 'email' as never, 'dup@example.com')
    expect(emu.inspect.people()).toHaveLength(1)
    expect(emu.inspect.person('primary')).toMatchObject({email: 'dup@example.com', attributes: {plan: 'pro', city: 'Oslo'}})
    expect(emu.inspect.events('primary').map((e) => e.name)).toEqual(['recent'])
  })

  it('merge with two identifiers on one side is a 400 with meta.error', async () => {
    const emu = await emulator()
    const auth = `Basic ${Buffer.from(`${emu.siteId}:${emu.apiKey}`).toString('base64')}`
    const res = await fetch(`${emu.url}/api/v1/merge_customers`, {
      method: 'POST',
      headers: {authorization: auth, 'content-type': 'application/json'},
      body: JSON.stringify({primary: {id: 'a', email: 'a@example.com'}, secondary: {id: 'b'}}),
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({meta: {error: 'primary must have exactly one of id, email or cio_id'}})
  })

  it('adds and deletes devices', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    await cio.addDevice('u1', 'tok-1', 'ios', {last_used: 1_713_484_800, app_version: '1.2'})
    expect(emu.inspect.person('u1')?.devices).toEqual([{id: 'tok-1', platform: 'ios', last_used: 1_713_484_800, attributes: {app_version: '1.2'}}])
    await cio.deleteDevice('u1', 'tok-1')
    expect(emu.inspect.person('u1')?.devices).toBeUndefined()

    const f = await failure(cio.addDevice('u1', 'tok-2', 'windows'))
    expect(f.statusCode).toBe(400)
  })

  it('answers the region endpoint', async () => {
    const emu = await emulator()
    expect(await clientFor(emu).getAccountRegion()).toEqual({url: emu.url, region: 'us', environment_id: 1})
  })

  it('answers 401 with the real body for a wrong key or site id, and applies nothing', async () => {
    const emu = await emulator()
    const f = await failure(clientFor(emu, {apiKey: 'wrong'}).identify('u1', {a: 1}))
    expect(f.statusCode).toBe(401)
    expect(f.message).toBe('Unauthorized request')
    expect(JSON.parse(f.body as string)).toEqual({meta: {error: 'Unauthorized request'}})

    const noAuth = await fetch(`${emu.url}/api/v1/customers/u1`, {method: 'PUT', body: '{}'})
    expect(noAuth.status).toBe(401)
    expect(emu.inspect.people()).toEqual([])
    expect(emu.inspect.stats().requests.byStatus).toEqual({401: 2})
  })

  it('answers 404 for an unknown Track route', async () => {
    const emu = await emulator()
    const auth = `Basic ${Buffer.from(`${emu.siteId}:${emu.apiKey}`).toString('base64')}`
    const res = await fetch(`${emu.url}/api/v1/nothing-here`, {headers: {authorization: auth}})
    expect(res.status).toBe(404)
    expect(emu.inspect.stats().requests.byRoute).toEqual({unknown: 1})
  })
})
