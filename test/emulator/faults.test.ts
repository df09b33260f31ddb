import {describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {clientFor, emulator, failure} from './emulator-fixture.js'

function auth(emu: RunningEmulator): string {
  return `Basic ${Buffer.from(`${emu.siteId}:${emu.apiKey}`).toString('base64')}`
}

describe('fault injection', () => {
  it('errorRate answers 500/502/503 with a load-balancer HTML page and applies nothing', async () => {
    const emu = await emulator({faults: {errorRate: 1}, seed: 1})
    const res = await fetch(`${emu.url}/api/v1/customers/u1`, {method: 'PUT', headers: {authorization: auth(emu)}, body: '{"a":1}'})
    expect([500, 502, 503]).toContain(res.status)
    expect(res.headers.get('content-type')).toBe('text/html; charset=UTF-8')
    expect(await res.text()).toContain('That’s an error.')

    // customerio-node cannot parse the HTML, so it rejects with a plain Error that has no status code.
    const f = await failure(clientFor(emu).identify('u2', {a: 1}))
    expect(f.statusCode).toBeUndefined()
    expect(f.message).toMatch(/^Unable to parse JSON/)
    expect(emu.inspect.people()).toEqual([])
  })

  it('resetWhen before: the client sees a network error and nothing landed', async () => {
    const emu = await emulator({faults: {resetRate: 1, resetWhen: 'before'}})
    const f = await failure(clientFor(emu).identify('u1', {a: 1}))
    expect(f.name).toBe('TypeError')
    expect(f.message).toBe('fetch failed')
    expect(emu.inspect.people()).toEqual([])
    expect(emu.inspect.stats().requests.byStatus).toEqual({reset: 1})
  })

  it('resetWhen after: the client sees a network error but the data landed', async () => {
    const emu = await emulator({faults: {resetRate: 1, resetWhen: 'after'}})
    const f = await failure(clientFor(emu).identify('u1', {a: 1}))
    expect(f.message).toBe('fetch failed')
    expect(emu.inspect.person('u1')?.attributes).toEqual({a: 1})
  })

  it('a stall outlasts the client timeout; after applies the request, before does not', async () => {
    const after = await emulator({faults: {stallRate: 1, stallMs: 3000, resetWhen: 'after'}})
    const f = await failure(clientFor(after, {timeout: 200}).identify('u1', {a: 1}))
    expect(f.name).toBe('TimeoutError')
    expect(after.inspect.person('u1')).toBeDefined()

    const before = await emulator({faults: {stallRate: 1, stallMs: 3000, resetWhen: 'before'}})
    expect((await failure(clientFor(before, {timeout: 200}).identify('u1', {a: 1}))).name).toBe('TimeoutError')
    expect(before.inspect.people()).toEqual([])
    // close() does not wait for the stalls to run out.
    const closing = Date.now()
    await Promise.all([after.close(), before.close()])
    expect(Date.now() - closing).toBeLessThan(1000)
  })

  it('adds latency to every response', async () => {
    const emu = await emulator({faults: {latencyMs: 150, latencyJitterMs: 50}})
    const started = Date.now()
    await clientFor(emu).identify('u1', {})
    expect(Date.now() - started).toBeGreaterThanOrEqual(145)
  })

  it('throttle forces 429 during the first part of every period, with Retry-After saying how long is left', async () => {
    const emu = await emulator({faults: {throttle: {periodMs: 60_000, throttledMs: 5000}}, rateLimit: {limit: 100, windowMs: 1000, retryAfterSeconds: 1}})
    const f = await failure(clientFor(emu).identify('u1', {}))
    expect(f.statusCode).toBe(429)
    expect(f.headers?.['retry-after']).toBe('5')
    expect(emu.inspect.people()).toEqual([])
    emu.setFaults({throttle: {periodMs: 60_000, throttledMs: 0}})
    expect(await clientFor(emu).identify('u1', {})).toEqual({})
  })

  it('forceStatus set at runtime over HTTP answers that status until cleared', async () => {
    const emu = await emulator()
    const put = (faults: unknown) => fetch(`${emu.url}/__emulator/faults`, {method: 'PUT', body: JSON.stringify(faults)})
    expect((await put({forceStatus: 403})).status).toBe(200)
    const forbidden = await failure(clientFor(emu).identify('u1', {}))
    expect(forbidden.statusCode).toBe(403)

    await put({forceStatus: 401})
    expect((await failure(clientFor(emu).identify('u1', {}))).message).toBe('Unauthorized request')

    await put({forceStatus: 503})
    expect((await failure(clientFor(emu).identify('u1', {}))).message).toMatch(/^Unable to parse JSON/)

    await put({forceStatus: null})
    expect(await clientFor(emu).identify('u1', {})).toEqual({})
    expect(emu.inspect.people()).toHaveLength(1)

    const bad = await put({errorRate: 2})
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({error: 'errorRate must be a probability between 0 and 1'})
  })

  it('is reproducible with a seed', async () => {
    const run = async (): Promise<number[]> => {
      const emu = await emulator({faults: {errorRate: 0.5}, seed: 42})
      const statuses: number[] = []
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`${emu.url}/api/v1/customers/u${i}`, {method: 'PUT', headers: {authorization: auth(emu)}, body: '{}'})
        await res.arrayBuffer()
        statuses.push(res.status)
      }

      return statuses
    }

    const first = await run()
    expect(first).toEqual(await run())
    expect(new Set(first).size).toBeGreaterThan(1)
  })
})
