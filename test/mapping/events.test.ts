import {decodeTime} from 'ulid'
import {describe, expect, it} from 'vitest'
import {ULID_PATTERN} from '../../src/cio/limits.js'
import {createMapper, deriveEventId} from '../../src/mapping/index.js'
import {broken, op, record} from './records.js'

const events = (seed = 'head:1234') => createMapper({type: 'events', eventIdSeed: seed})

describe('event rows', () => {
  it('maps an NDJSON event: data object plus unknown top-level fields merge into attributes', () => {
    const result = op(
      events().map(record({id: '42', name: 'purchase', timestamp: 1_705_312_800, data: {sku: 'W-1', price: 29.99}, channel: 'web'}, 5)),
    )
    expect(result.personKey).toBe('id:42')
    expect(result.entry).toEqual({
      type: 'person',
      action: 'event',
      identifiers: {id: '42'},
      name: 'purchase',
      id: deriveEventId('head:1234', 5, 1_705_312_800_000),
      timestamp: 1_705_312_800,
      attributes: {sku: 'W-1', price: 29.99, channel: 'web'},
    })
    expect(result.bytes).toBe(Buffer.byteLength(JSON.stringify(result.entry)))
  })

  it('maps a CSV event: the remaining columns are data, strings as read', () => {
    const result = op(events().map(record({email: 'A@b.co', event: 'signup', timestamp: '2024-01-15T10:00:00.250Z', plan: 'pro', seats: '05', empty: ''})))
    expect(result.entry.identifiers).toEqual({email: 'A@b.co'})
    expect(result.entry.name).toBe('signup')
    expect(result.entry.timestamp).toBe(1_705_312_800)
    expect(result.entry.attributes).toEqual({plan: 'pro', seats: '05'})
    expect(result.personKey).toBe('email:a@b.co')
  })

  it('reads a CSV data column as JSON; other columns win over its keys', () => {
    const result = op(events().map(record({id: '1', name: 'x', data: '{"a":1,"b":{"c":[1,2]},"plan":"old"}', plan: 'new'})))
    expect(result.entry.attributes).toEqual({a: 1, b: {c: [1, 2]}, plan: 'new'})
  })

  it('rejects a data column that is not a JSON object', () => {
    expect(broken(events().map(record({id: '1', name: 'x', data: '{"a":'}))).rule).toBe('data_invalid')
    const array = broken(events().map(record({id: '1', name: 'x', data: [1, 2]})))
    expect(array).toEqual({rule: 'data_invalid', message: "column 'data' must hold a JSON object: got an array"})
  })

  it('does not change the parsed NDJSON object it reads data from', () => {
    const fields = {id: '1', name: 'x', data: {a: 1}, extra: 2}
    op(events().map(record(fields)))
    expect(fields.data).toEqual({a: 1})
  })

  it('sends anonymous events with {anonymous_id} and an anon: person key', () => {
    const result = op(events().map(record({anonymous_id: 'anon-7', name: 'page_view'})))
    expect(result.entry.identifiers).toEqual({anonymous_id: 'anon-7'})
    expect(result.personKey).toBe('anon:anon-7')
  })

  it('prefers a person identifier over anonymous_id, and name over event', () => {
    const result = op(events().map(record({event: 'old', anonymous_id: 'a', cio_id: 'c1', name: 'new'})))
    expect(result.entry.identifiers).toEqual({cio_id: 'c1'})
    expect(result.entry.name).toBe('new')
    expect(result.entry.attributes).toBeUndefined()
  })

  it('requires a person or anonymous identifier and an event name', () => {
    expect(broken(events().map(record({name: 'x', plan: 'p'}))).rule).toBe('identifier_missing')
    const noName = broken(events().map(record({id: '1', name: '', event: ' '})))
    expect(noName).toEqual({rule: 'event_name_missing', message: "event name is missing: columns 'name' and 'event' are empty or absent"})
    expect(broken(events().map(record({id: '1', name: {a: 1}}))).rule).toBe('event_name_invalid')
  })

  it('sends timestamps as integer seconds whatever the unit, and leaves them out when absent', () => {
    const at = (timestamp: unknown) => op(events().map(record({id: '1', name: 'x', timestamp}))).entry.timestamp
    expect(at('1705312800')).toBe(1_705_312_800)
    expect(at('1705312800123')).toBe(1_705_312_800)
    expect(at(1_705_312_800_999)).toBe(1_705_312_800)
    expect(at('2024-01-15T10:00:00Z')).toBe(1_705_312_800)
    expect(at('')).toBeUndefined()
  })

  it('rejects unreadable and negative event timestamps', () => {
    for (const bad of ['yesterday', '2024-02-30', '2024-13-01', '1705312800000000', '12:00', 'NaN']) {
      expect(broken(events().map(record({id: '1', name: 'x', timestamp: bad}))).rule, bad).toBe('timestamp_invalid')
    }
    expect(broken(events().map(record({id: '1', name: 'x', timestamp: '1969-12-31T00:00:00Z'}))).message).toContain('before 1970')
  })

  it('keeps a provided event_id and rejects one that is not a ULID', () => {
    const provided = '01BX5ZZKBKACTAV9WEVGEMMVRY'
    expect(op(events().map(record({id: '1', name: 'x', event_id: provided}))).entry.id).toBe(provided)
    for (const bad of ['abc', '01BX5ZZKBKACTAV9WEVGEMMVR', '81BX5ZZKBKACTAV9WEVGEMMVRY', '01BX5ZZKBKACTAV9WEVGEMMVRU', 12345]) {
      const violation = broken(events().map(record({id: '1', name: 'x', event_id: bad})))
      expect(violation.rule).toBe('event_id_invalid')
      expect(violation.message).toContain("column 'event_id'")
    }
  })
})

describe('derived event ids', () => {
  it('are valid ULIDs whose time part is the event time (0 when unknown)', () => {
    const timed = op(events().map(record({id: '1', name: 'x', timestamp: 1_705_312_800}, 3))).entry.id!
    expect(timed).toMatch(ULID_PATTERN)
    expect(decodeTime(timed)).toBe(1_705_312_800_000)
    const untimed = op(events().map(record({id: '1', name: 'x'}, 3))).entry.id!
    expect(untimed).toMatch(ULID_PATTERN)
    expect(decodeTime(untimed)).toBe(0)
  })

  it('are the same for the same seed and line, in a fresh mapper (a resume) as in the first run', () => {
    const row = {id: '1', name: 'x', timestamp: '2024-01-15T10:00:00Z'}
    const first = op(events().map(record(row, 10))).entry.id
    const again = op(events().map(record({...row}, 10))).entry.id
    expect(again).toBe(first)
  })

  it('differ between lines and between inputs', () => {
    const row = {id: '1', name: 'x', timestamp: '2024-01-15T10:00:00Z'}
    const ids = new Set<string>()
    for (let line = 2; line < 2002; line++) ids.add(op(events().map(record(row, line))).entry.id!)
    expect(ids.size).toBe(2000)
    expect(op(events('other:99').map(record(row, 2))).entry.id).not.toBe(op(events().map(record(row, 2))).entry.id)
  })

  it('follow the scheme the mapper is given: scheme 1 is the sha256 derivation, and a provided event_id wins under either', () => {
    const row = {id: '1', name: 'x', timestamp: 1_705_312_800}
    const schemeOne = createMapper({type: 'events', eventIdSeed: 'head:1234', eventIdScheme: 1})
    expect(op(schemeOne.map(record(row, 5))).entry.id).toBe('01HM690K80GWWQAF4Y6TAKHN3V')
    expect(op(schemeOne.map(record(row, 5))).entry.id).toBe(deriveEventId('head:1234', 5, 1_705_312_800_000, 1))
    expect(op(events().map(record(row, 5))).entry.id).toBe(deriveEventId('head:1234', 5, 1_705_312_800_000, 2))
    const provided = '01BX5ZZKBKACTAV9WEVGEMMVRY'
    expect(op(schemeOne.map(record({...row, event_id: provided}, 5))).entry.id).toBe(provided)
    expect(op(events().map(record({...row, event_id: provided}, 5))).entry.id).toBe(provided)
  })
})
