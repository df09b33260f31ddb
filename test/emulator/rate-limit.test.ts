import {describe, expect, it} from 'vitest'

import {clientFor, emulator, failure} from './emulator-fixture.js'

describe('rate limit per site id', () => {
  it('answers 429 with the body and Retry-After once the window is full, and does not apply it', async () => {
    const emu = await emulator({rateLimit: {limit: 3, windowMs: 1000, retryAfterSeconds: 1}})
    const cio = clientFor(emu)
    for (const id of ['a', 'b', 'c']) expect(await cio.identify(id, {})).toEqual({})
    const f = await failure(cio.identify('d', {}))
    expect(f.statusCode).toBe(429)
    expect(f.message).toBe('rate limit exceeded')
    expect(JSON.parse(f.body as string)).toEqual({meta: {error: 'rate limit exceeded'}})
    expect(f.headers?.['retry-after']).toBe('1')
    expect(emu.inspect.person('d')).toBeUndefined()
    expect(emu.inspect.stats().requests.byStatus).toEqual({200: 3, 429: 1})
  })

  it('lets a client that honours Retry-After through once the window slides', async () => {
    const emu = await emulator({rateLimit: {limit: 2, windowMs: 500, retryAfterSeconds: 1}})
    const cio = clientFor(emu, {maxRetries: 2})
    await Promise.all([cio.identify('a', {}), cio.identify('b', {})])
    const started = Date.now()
    expect(await cio.identify('c', {})).toEqual({})
    // customerio-node waited the advertised second before its retry succeeded.
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
    expect(emu.inspect.person('c')).toBeDefined()
  })

  it('sends no Retry-After unless configured; null turns the limit off', async () => {
    const limited = await emulator({rateLimit: {limit: 1, windowMs: 1000}})
    await clientFor(limited).identify('a', {})
    const f = await failure(clientFor(limited).identify('b', {}))
    expect(f.statusCode).toBe(429)
    expect(f.headers?.['retry-after']).toBeUndefined()

    const open = await emulator({rateLimit: null})
    const cio = clientFor(open)
    await Promise.all(Array.from({length: 150}, (_, i) => cio.identify(`p${i}`, {})))
    expect(open.inspect.stats().peopleCount).toBe(150)
  })

  it('defaults to 100 requests per second', async () => {
    const emu = await emulator({rateLimit: undefined})
    const cio = clientFor(emu)
    const results = await Promise.allSettled(Array.from({length: 110}, (_, i) => cio.identify(`p${i}`, {})))
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(100)
    expect(emu.inspect.stats().requests.byStatus).toEqual({200: 100, 429: 10})
  })

  it('records arrival times and the most requests in any sliding second', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    await Promise.all(Array.from({length: 12}, (_, i) => cio.identify(`p${i}`, {})))
    await fetch(`${emu.url}/__emulator/stats`) // inspection traffic is not counted
    const stats = emu.inspect.stats()
    expect(stats.maxRequestsInSlidingSecond).toBe(12)
    expect(stats.requests.total).toBe(12)

    const times = emu.inspect.requestTimes()
    expect(times).toHaveLength(12)
    expect(times.every((t, i) => i === 0 || t >= times[i - 1])).toBe(true)
    expect(Math.abs(times[0] - Date.now())).toBeLessThan(5000)
    expect(await (await fetch(`${emu.url}/__emulator/requests`)).json()).toEqual(times)

    emu.inspect.reset()
    expect(emu.inspect.stats()).toMatchObject({maxRequestsInSlidingSecond: 0, requests: {total: 0}, peopleCount: 0})
    expect(emu.inspect.requestTimes()).toEqual([])
  })
})
