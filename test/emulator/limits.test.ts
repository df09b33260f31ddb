import {describe, expect, it} from 'vitest'

import {TrackLimits} from '../../src/cio/limits.js'
import {bytes, clientFor, emulator, failure, utf8String} from './emulator-fixture.js'

/** At the limit the call is accepted; one byte over it is rejected with the given message. */
async function boundary(accept: () => Promise<unknown>, reject: () => Promise<unknown>, message: string): Promise<void> {
  expect(await accept()).toEqual({})
  const f = await failure(reject())
  expect(f.statusCode).toBe(400)
  expect(JSON.parse(f.body as string)).toEqual({meta: {errors: [message]}})
}

describe('v1 byte limits at their boundaries (UTF-8 bytes, not characters)', () => {
  it('identifier: 150 bytes', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    const atLimit = utf8String(TrackLimits.identifierBytes)
    expect(atLimit.length).toBeLessThan(150)
    await boundary(() => cio.identify(atLimit, {a: 1}), () => cio.identify(`${atLimit}x`, {a: 1}), 'identifier cannot be longer than 150 bytes')
    await boundary(() => cio.track(atLimit, {name: 'e'}), () => cio.track(`${atLimit}x`, {name: 'e'}), 'identifier cannot be longer than 150 bytes')
    expect(emu.inspect.people()).toHaveLength(1)
  })

  it('attribute name: 150 bytes', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    const name = utf8String(150)
    await boundary(() => cio.identify('u1', {[name]: 1}), () => cio.identify('u1', {[`${name}x`]: 1}), 'attribute name cannot be longer than 150 bytes')
  })

  it('attribute value: 1000 bytes for strings, 1000 JSON bytes for anything else', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    const text = utf8String(1000)
    await boundary(() => cio.identify('u1', {bio: text}), () => cio.identify('u1', {bio: `${text}x`}), "value for attribute 'bio' cannot be longer than 1000 bytes")

    const object = {k: 'x'.repeat(1000 - bytes({k: ''}))}
    expect(bytes(object)).toBe(1000)
    await boundary(
      () => cio.identify('u1', {prefs: object}),
      () => cio.identify('u1', {prefs: {k: `${object.k}x`}}),
      "value for attribute 'prefs' cannot be longer than 1000 bytes",
    )
  })

  it('attributes per call: 300', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    const attributes = (n: number) => Object.fromEntries(Array.from({length: n}, (_, i) => [`a${i}`, i]))
    await boundary(() => cio.identify('u1', attributes(300)), () => cio.identify('u1', attributes(301)), 'cannot identify more than 300 attributes in one request')
    expect(Object.keys(emu.inspect.person('u1')!.attributes)).toHaveLength(300)
  })

  it('event name: 100 bytes (after trimming spaces)', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    const name = utf8String(100)
    await boundary(() => cio.track('u1', {name: ` ${name} `}), () => cio.track('u1', {name: `${name}x`}), 'event name cannot be longer than 100 bytes')
    await boundary(
      () => cio.trackAnonymous('anon', {name}),
      () => cio.trackAnonymous('anon', {name: `${name}x`}),
      'event name cannot be longer than 100 bytes',
    )
  })

  it('event data: 100,000 JSON bytes', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    const data = {blob: 'x'.repeat(100_000 - bytes({blob: ''}))}
    expect(bytes(data)).toBe(100_000)
    await boundary(
      () => cio.track('u1', {name: 'big', data}),
      () => cio.track('u1', {name: 'big', data: {blob: `${data.blob}x`}}),
      'event data cannot be longer than 100000 bytes',
    )
    expect(emu.inspect.events()).toHaveLength(1)
  })
})

/** A v2 identify entry padded with attributes to exactly `size` JSON bytes. */
function entryOfSize(id: string, size: number): Record<string, unknown> {
  const attributes: Record<string, string> = {}
  const entry = {type: 'person', identifiers: {id}, action: 'identify', attributes}
  let i = 0
  while (bytes(entry) < size) {
    const name = `f${i++}`
    attributes[name] = ''
    const room = size - bytes(entry)
    attributes[name] = 'x'.repeat(Math.max(0, Math.min(900, room)))
  }

  if (bytes(entry) !== size) throw new Error(`could not pad entry to ${size} bytes (got ${bytes(entry)})`)
  return entry
}

describe('v2 limits at their boundaries', () => {
  it('a batch entry of exactly 32 KB is applied; one byte more is a per-entry error in a 207', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    const atLimit = entryOfSize('at-limit', TrackLimits.batchEntryBytes)
    const over = entryOfSize('over', TrackLimits.batchEntryBytes + 1)
    expect(bytes(over)).toBe(32_769)

    const result = await cio.batch([atLimit, over, {type: 'person', identifiers: {id: 'small'}, action: 'identify', attributes: {a: 1}}])
    expect(result).toEqual({errors: [{batch_index: 1, reason: 'too_large', field: 'entry', message: 'batch entry cannot be larger than 32768 bytes'}]})
    expect(emu.inspect.people().map((p) => p.id)).toEqual(['at-limit', 'small'])
  })

  it('a batch body of exactly 500 KB is accepted; one byte more is a 400 for the whole request', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    const bodyOf = (entries: unknown[]) => bytes({batch: entries})
    const entries: Array<Record<string, unknown>> = []
    for (let i = 0; bodyOf(entries) < TrackLimits.batchRequestBytes - 40_000; i++) entries.push(entryOfSize(`p${i}`, 30_000))
    const remaining = TrackLimits.batchRequestBytes - bodyOf(entries) - 1 // the comma before the last entry
    entries.push(entryOfSize('last', remaining))
    expect(bodyOf(entries)).toBe(512_000)

    expect(await cio.batch(entries)).toEqual({})
    expect(emu.inspect.people()).toHaveLength(entries.length)

    emu.inspect.reset()
    entries[entries.length - 1] = entryOfSize('last', remaining + 1)
    const f = await failure(cio.batch(entries))
    expect(f.statusCode).toBe(400)
    expect(JSON.parse(f.body as string)).toEqual({errors: [{reason: 'too_large', field: 'body', message: 'request body cannot be larger than 512000 bytes'}]})
    expect(emu.inspect.people()).toEqual([])
  })

  it('an /entity body of exactly 32 KB is accepted; one byte more is a 400', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    expect(await cio.entity(entryOfSize('e1', TrackLimits.entityRequestBytes))).toEqual({})
    const f = await failure(cio.entity(entryOfSize('e2', TrackLimits.entityRequestBytes + 1)))
    expect(f.statusCode).toBe(400)
    expect(JSON.parse(f.body as string).errors[0]).toMatchObject({reason: 'too_large', field: 'body'})
    expect(emu.inspect.people().map((p) => p.id)).toEqual(['e1'])
  })

  it('identifier, attribute, event-name and ULID limits come back per entry with their index', async () => {
    const emu = await emulator()
    const cio = clientFor(emu)
    const person = (id: string, attributes: Record<string, unknown> = {}) => ({type: 'person', identifiers: {id}, action: 'identify', attributes})
    const event = (name: string, extra: Record<string, unknown> = {}) => ({type: 'person', identifiers: {id: 'ev'}, action: 'event', name, ...extra})
    const result = (await cio.batch([
      person(utf8String(150)),
      person(`${utf8String(150)}x`),
      person('n', {[utf8String(150)]: 1}),
      person('n', {[`${utf8String(150)}x`]: 1}),
      person('v', {bio: utf8String(1000)}),
      person('v', {bio: `${utf8String(1000)}x`}),
      person('c', Object.fromEntries(Array.from({length: 300}, (_, i) => [`a${i}`, 1]))),
      person('c', Object.fromEntries(Array.from({length: 301}, (_, i) => [`a${i}`, 1]))),
      event(utf8String(100)),
      event(`${utf8String(100)}x`),
      event('ok', {id: '01BX5ZZKBKACTAV9WEVGEMMVRY'}),
      event('bad', {id: '01BX5ZZKBKACTAV9WEVGEMMVR'}),
    ])) as {errors: Array<{batch_index: number; message: string}>}
    expect(result.errors.map((e) => [e.batch_index, e.message])).toEqual([
      [1, 'identifier cannot be longer than 150 bytes'],
      [3, 'attribute name cannot be longer than 150 bytes'],
      [5, "value for attribute 'bio' cannot be longer than 1000 bytes"],
      [7, 'cannot identify more than 300 attributes in one request'],
      [9, 'event name cannot be longer than 100 bytes'],
      [11, 'event id must be a valid ULID'],
    ])
    expect(emu.inspect.stats().entriesApplied).toBe(6)
    expect(emu.inspect.events().map((e) => e.name)).toEqual([utf8String(100), 'ok'])
  })
})
