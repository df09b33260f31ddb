import {monotonicFactory} from 'ulid'
import {describe, expect, it} from 'vitest'

import {batchEntrySpans} from '../../src/emulator/batch-spans.js'
import {UlidSet} from '../../src/emulator/ulid-set.js'

describe('UlidSet', () => {
  it('is an exact, case-insensitive set across growth', () => {
    const next = monotonicFactory()
    const ids = Array.from({length: 50_000}, () => next())
    const set = new UlidSet(16)
    expect(ids.filter((id) => set.add(id))).toHaveLength(50_000)
    expect(set.size).toBe(50_000)
    expect(ids.filter((id) => set.add(id.toLowerCase()))).toEqual([])
    expect(set.has(ids[123])).toBe(true)
    expect(set.has('7ZZZZZZZZZZZZZZZZZZZZZZZZZ')).toBe(false)
    expect(set.add('7ZZZZZZZZZZZZZZZZZZZZZZZZZ')).toBe(true)
    expect(set.add('00000000000000000000000000')).toBe(true)
    expect(set.add('00000000000000000000000000')).toBe(false)
  })
})

describe('batchEntrySpans', () => {
  it('measures each batch element as its compact JSON bytes', () => {
    const batch = [{a: 'x,y]}'}, {b: {c: [1, 2, {d: '"\\'}]}}, 'é€', 42, null]
    const spans = batchEntrySpans(Buffer.from(JSON.stringify({other: [9, 9], batch})))
    expect(spans).toEqual(batch.map((e) => Buffer.byteLength(JSON.stringify(e))))
  })

  it('ignores whitespace around elements and uses the last batch key', () => {
    const raw = Buffer.from('{ "batch" : [1], "x": {"batch": [5,6,7]}, "batch" : [ {"a" : 1} ,\n "bb" ] }')
    // Spans are raw bytes as sent: whitespace inside an element counts.
    expect(batchEntrySpans(raw)).toEqual([9, 4])
  })
})
