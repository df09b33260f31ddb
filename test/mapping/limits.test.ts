import {describe, expect, it} from 'vitest'
import {TrackLimits} from '../../src/cio/limits.js'
import {createMapper, type Mapper} from '../../src/mapping/index.js'
import {ascii, broken, op, record} from './records.js'

const people = () => createMapper({type: 'people', eventIdSeed: 'seed'})
const events = (api: 'v1' | 'v2' = 'v2') => createMapper({type: 'events', eventIdSeed: 'seed', api})
const EURO = '€' // 3 UTF-8 bytes: proves limits count bytes, not characters

/** Fills `pad` so the row's whole entry serialises to exactly `target` bytes. */
function rowOfEntryBytes(mapper: Mapper, base: Record<string, unknown>, target: number): Record<string, unknown> {
  const probe = op(mapper.map(record({...base, pad: 'x'})))
  return {...base, pad: ascii(1 + target - probe.bytes)}
}

describe('identifier: at most 150 bytes', () => {
  it('accepts 150 bytes and rejects 151, counting UTF-8 bytes', () => {
    expect(op(people().map(record({id: ascii(150)}))).entry.identifiers.id).toHaveLength(150)
    expect(op(people().map(record({id: EURO.repeat(50)}))).entry.identifiers.id).toBe(EURO.repeat(50))
    expect(broken(people().map(record({id: ascii(151)})))).toEqual({
      rule: 'identifier_too_long',
      message: "identifier cannot be longer than 150 bytes (column 'id' has 151 bytes)",
    })
    expect(broken(people().map(record({email: EURO.repeat(50) + 'a'}))).rule).toBe('identifier_too_long')
    expect(broken(events().map(record({anonymous_id: ascii(151), name: 'x'}))).rule).toBe('identifier_too_long')
  })
})

describe('attribute names: at most 150 bytes', () => {
  it('accepts 150 bytes and rejects 151', () => {
    expect(op(people().map(record({id: '1', [ascii(150)]: 'v'}))).entry.attributes).toHaveProperty(ascii(150))
    expect(broken(people().map(record({id: '1', [EURO.repeat(50) + 'b']: 'v'})))).toEqual({
      rule: 'attribute_name_too_long',
      message: `attribute name '${EURO.repeat(50)}b' cannot be longer than 150 bytes (151 bytes)`,
    })
  })
})

describe('attribute values: at most 1000 bytes', () => {
  it('accepts 1000 bytes and rejects 1001 with Customer.io’s wording', () => {
    expect(op(people().map(record({id: '1', bio: ascii(1000)}))).entry.attributes?.bio).toHaveLength(1000)
    expect(op(people().map(record({id: '1', bio: EURO.repeat(333) + 'a'}))).entry.attributes?.bio).toHaveLength(334)
    expect(broken(people().map(record({id: '1', bio: ascii(1001)})))).toEqual({
      rule: 'attribute_value_too_long',
      message: "value for attribute 'bio' cannot be longer than 1000 bytes (1001 bytes)",
    })
    expect(broken(people().map(record({id: '1', bio: EURO.repeat(334)}))).message).toContain('(1002 bytes)')
  })

  it('measures non-string values as JSON', () => {
    // {"k":"…"} is 8 bytes of syntax around the text
    expect(op(people().map(record({id: '1', profile: {k: ascii(992)}}))).entry.attributes?.profile).toBeDefined()
    expect(broken(people().map(record({id: '1', profile: {k: ascii(993)}}))).message).toContain('(1001 bytes)')
  })

  it('checks the email attribute too when email is not the identifier', () => {
    expect(broken(people().map(record({id: '1', email: ascii(1001)}))).rule).toBe('attribute_value_too_long')
  })
})

describe('attribute count: at most 300 per identify', () => {
  const withAttributes = (n: number) => {
    const fields: Record<string, unknown> = {id: '1'}
    for (let i = 0; i < n; i++) fields[`a${i}`] = 'v'
    return fields
  }
  it('accepts 300 and rejects 301 (email counts, the id does not)', () => {
    expect(Object.keys(op(people().map(record(withAttributes(300)))).entry.attributes!)).toHaveLength(300)
    expect(broken(people().map(record(withAttributes(301))))).toEqual({
      rule: 'too_many_attributes',
      message: 'cannot set more than 300 attributes (this row has 301)',
    })
    expect(broken(people().map(record({...withAttributes(300), email: 'a@b.co'}))).rule).toBe('too_many_attributes')
  })
})

describe('event name: at most 100 bytes', () => {
  it('accepts 100 bytes and rejects 101 with Customer.io’s wording', () => {
    expect(op(events().map(record({id: '1', name: ascii(100)}))).entry.name).toHaveLength(100)
    expect(broken(events().map(record({id: '1', name: EURO.repeat(33) + 'ab'})))).toEqual({
      rule: 'event_name_too_long',
      message: 'event name cannot be longer than 100 bytes (101 bytes)',
    })
  })
})

describe('event data: at most 100,000 bytes; a v2 batch entry: at most 32 KB', () => {
  const dataOf = (bytes: number) => ({k: ascii(bytes - 8)}) // {"k":"…"}

  it('allows 100,000 bytes of data when sending v1 calls and rejects 100,001', () => {
    expect(op(events('v1').map(record({id: '1', name: 'x', data: dataOf(100_000)}))).entry.attributes).toBeDefined()
    expect(broken(events('v1').map(record({id: '1', name: 'x', data: dataOf(100_001)})))).toEqual({
      rule: 'event_data_too_large',
      message: 'event data cannot be larger than 100000 bytes (100001 bytes as JSON)',
    })
  })

  it('reports oversized data as such on v2 too, but data under that limit still has to fit a 32 KB entry', () => {
    expect(broken(events().map(record({id: '1', name: 'x', data: dataOf(100_001)}))).rule).toBe('event_data_too_large')
    expect(broken(events().map(record({id: '1', name: 'x', data: dataOf(100_000)}))).rule).toBe('entry_too_large')
  })

  it('accepts an event entry of exactly 32768 bytes and rejects 32769', () => {
    const mapper = events()
    const base = {id: '1', name: 'x', timestamp: '1705312800'}
    const exact = op(mapper.map(record(rowOfEntryBytes(mapper, base, TrackLimits.batchEntryBytes))))
    expect(exact.bytes).toBe(32_768)
    const over = broken(mapper.map(record(rowOfEntryBytes(mapper, base, TrackLimits.batchEntryBytes + 1))))
    expect(over).toEqual({rule: 'entry_too_large', message: 'batch entry cannot be larger than 32768 bytes (this row is 32769 bytes as JSON)'})
  })

  it('accepts a people entry of exactly 32768 bytes and rejects 32769', () => {
    const mapper = people()
    const base: Record<string, unknown> = {id: '1'}
    for (let i = 0; i < 33; i++) base[`attr_${i}`] = ascii(950)
    expect(op(mapper.map(record(rowOfEntryBytes(mapper, base, 32_768)))).bytes).toBe(32_768)
    expect(broken(mapper.map(record(rowOfEntryBytes(mapper, base, 32_769)))).rule).toBe('entry_too_large')
    // v1 sends one call per row; the 32 KB v2 batch-entry limit does not apply there
    const v1 = createMapper({type: 'people', eventIdSeed: 's', api: 'v1'})
    expect(op(v1.map(record(rowOfEntryBytes(mapper, base, 32_769)))).bytes).toBe(32_769)
  })
})
