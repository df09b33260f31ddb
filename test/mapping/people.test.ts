import {describe, expect, it} from 'vitest'
import {createMapper} from '../../src/mapping/index.js'
import {broken, op, record} from './records.js'

const people = () => createMapper({type: 'people', eventIdSeed: 'seed'})

describe('people rows (CSV-style: every cell a string)', () => {
  it('turns a row into an identify keyed by id, other columns into string attributes', () => {
    const result = op(people().map(record({id: '42', email: 'Jane@Example.com', plan: 'premium', seats: '5'}, 7)))
    expect(result.line).toBe(7)
    expect(result.personKey).toBe('id:42')
    expect(result.entry).toEqual({
      type: 'person',
      action: 'identify',
      identifiers: {id: '42'},
      attributes: {email: 'Jane@Example.com', plan: 'premium', seats: '5'},
    })
    expect(result.bytes).toBe(Buffer.byteLength(JSON.stringify(result.entry)))
  })

  it('never casts the id: "00123" stays "00123"', () => {
    const result = op(people().map(record({id: '00123', zip: '01234'})))
    expect(result.entry.identifiers).toEqual({id: '00123'})
    expect(result.entry.attributes).toEqual({zip: '01234'})
    expect(result.personKey).toBe('id:00123')
  })

  it('falls back to email, then cio_id, when earlier identifier cells are empty', () => {
    const byEmail = op(people().map(record({id: '', email: 'Jane@Example.com', cio_id: 'a3000001'})))
    expect(byEmail.entry.identifiers).toEqual({email: 'Jane@Example.com'})
    expect(byEmail.entry.attributes).toEqual({email: 'Jane@Example.com'})
    expect(byEmail.personKey).toBe('email:jane@example.com')

    const byCio = op(people().map(record({id: '', email: '', cio_id: 'a3000001', plan: 'x'})))
    expect(byCio.entry.identifiers).toEqual({cio_id: 'a3000001'})
    expect(byCio.entry.attributes).toEqual({plan: 'x'})
    expect(byCio.personKey).toBe('cio_id:a3000001')
  })

  it('strips the v1 "cio_" prefix from a cio_id, which v2 does not use', () => {
    expect(op(people().map(record({cio_id: 'cio_a3000001'}))).entry.identifiers).toEqual({cio_id: 'a3000001'})
  })

  it('treats a whitespace-only identifier as missing instead of creating a person called " "', () => {
    expect(op(people().map(record({id: '  ', email: 'a@b.co'}))).entry.identifiers).toEqual({email: 'a@b.co'})
  })

  it('omits empty cells so an import never overwrites a stored value with ""', () => {
    const result = op(people().map(record({id: '1', first_name: '', last_name: 'Doe', note: ' '})))
    expect(result.entry.attributes).toEqual({last_name: 'Doe', note: ' '})
  })

  it('sends an identify with no attributes when only the identifier is filled', () => {
    const result = op(people().map(record({id: '1', plan: ''})))
    expect(result.entry).toEqual({type: 'person', action: 'identify', identifiers: {id: '1'}})
  })

  it('reports a row with no identifier at all', () => {
    const violation = broken(people().map(record({id: '', email: '', plan: 'x'})))
    expect(violation.rule).toBe('identifier_missing')
    expect(violation.message).toContain("'id', 'email', 'cio_id'")
  })

  it('ignores the _line and _error columns of our retry files', () => {
    const result = op(people().map(record({id: '1', plan: 'x', _line: '12', _error: 'identifier_missing: ...'})))
    expect(result.entry.attributes).toEqual({plan: 'x'})
  })

  it('converts created_at to integer Unix seconds from ISO 8601, seconds or milliseconds', () => {
    const at = (value: string) => op(people().map(record({id: '1', created_at: value}))).entry.attributes?.created_at
    expect(at('2024-01-15T10:00:00Z')).toBe(1_705_312_800)
    expect(at('2024-01-15T11:00:00+01:00')).toBe(1_705_312_800)
    expect(at('2024-01-15 10:00:00')).toBe(1_705_312_800)
    expect(at('2024-01-15')).toBe(1_705_276_800)
    expect(at('1705312800')).toBe(1_705_312_800)
    expect(at('1705312800999')).toBe(1_705_312_800)
    expect(at('1705312800.7')).toBe(1_705_312_800)
  })

  it('rejects an unreadable created_at naming the column and value', () => {
    const violation = broken(people().map(record({id: '1', created_at: 'last tuesday'}, 9)))
    expect(violation).toEqual({
      rule: 'timestamp_invalid',
      message: `column 'created_at': "last tuesday" is not an ISO 8601 date or a Unix timestamp in seconds or milliseconds`,
    })
  })

  it('passes on the reader’s own error for a row it could not parse', () => {
    const violation = {rule: 'csv_column_count', message: 'expected 3 columns, found 4'}
    expect(broken(people().map(record(null, 3, violation)))).toEqual(violation)
  })
})

describe('people rows (NDJSON-style: parsed values)', () => {
  it('keeps JSON types, turns a numeric id into its digits and omits nulls', () => {
    const result = op(
      people().map(record({id: 42, email: 'a@b.co', vip: true, score: 9.5, tags: ['a'], address: {city: 'Oslo'}, gone: null})),
    )
    expect(result.entry.identifiers).toEqual({id: '42'})
    expect(result.entry.attributes).toEqual({email: 'a@b.co', vip: true, score: 9.5, tags: ['a'], address: {city: 'Oslo'}})
  })

  it('converts a numeric created_at by magnitude', () => {
    expect(op(people().map(record({id: '1', created_at: 1_705_312_800_000}))).entry.attributes).toEqual({created_at: 1_705_312_800})
  })

  it('rejects an identifier that is neither text nor a number', () => {
    expect(broken(people().map(record({id: {nested: 1}}))).rule).toBe('identifier_invalid')
  })

  it('keeps a "__proto__" key as an attribute rather than a prototype', () => {
    const fields = JSON.parse('{"id":"1","__proto__":{"polluted":true}}') as Record<string, unknown>
    const result = op(people().map(record(fields)))
    expect(JSON.stringify(result.entry.attributes)).toBe('{"__proto__":{"polluted":true}}')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

describe('the serialised entry', () => {
  it('is the entry as JSON, serialised once, and bytes is its UTF-8 length', () => {
    const mapper = createMapper({type: 'people', columns: ['id', 'name'], eventIdSeed: 's'})
    const result = mapper.map({line: 2, raw: '42,Zoë', fields: {id: '42', name: 'Zoë'}, offset: 0, nextOffset: 8})
    if (!result.ok) throw new Error(result.violation.message)
    expect(result.op.json).toBe(JSON.stringify(result.op.entry))
    expect(result.op.bytes).toBe(Buffer.byteLength(result.op.json))
  })

  it('takes the first non-empty of the mapping\'s identifier columns, in the mapping\'s order', () => {
    const mapping = {identifier: [{column: 'User ID', type: 'id' as const}, {column: 'Email', type: 'email' as const}]}
    const mapper = createMapper({type: 'people', eventIdSeed: 's', mapping, columns: ['Email', 'User ID', 'plan']})
    const byId = op(mapper.map(record({Email: 'a@x.com', 'User ID': 'u1', plan: 'p'})))
    expect(byId.entry).toEqual({type: 'person', action: 'identify', identifiers: {id: 'u1'}, attributes: {email: 'a@x.com', plan: 'p'}})
    const byEmail = op(mapper.map(record({Email: 'B@x.com', 'User ID': ' ', plan: 'p'})))
    expect(byEmail.entry).toEqual({type: 'person', action: 'identify', identifiers: {email: 'B@x.com'}, attributes: {email: 'B@x.com', plan: 'p'}})
    expect(byEmail.personKey).toBe('email:b@x.com')
    expect(broken(mapper.map(record({Email: '', 'User ID': '', plan: 'p'})))).toEqual({
      rule: 'identifier_missing',
      message: `identifier is missing: columns 'User ID', 'Email' are all empty or absent`,
    })
  })
})

describe('--api v1: identifiers in the URL path', () => {
  const v1 = (type: 'people' | 'events') => createMapper({type, eventIdSeed: 's', api: 'v1'})

  it('refuses an id Customer.io would read as an email or a cio_id, with a hint to use v2', () => {
    expect(broken(v1('people').map(record({id: 'ann@example.com', plan: 'x'})))).toEqual({
      rule: 'identifier_ambiguous_v1',
      message: `identifier "ann@example.com" in column 'id' would be read by Customer.io as an email: --api v1 puts the identifier in the URL, where its shape decides its type; use --api v2, which names the type`,
    })
    expect(broken(v1('events').map(record({id: 'cio_123', name: 'x'}))).message).toContain('would be read by Customer.io as a cio_id')
    expect(broken(v1('people').map(record({email: 'not-an-email'}))).message).toContain('would be read by Customer.io as an id')
  })

  it('sends plain ids, emails and cio_ids, and v2 leaves every shape alone', () => {
    expect(op(v1('people').map(record({id: '42'}))).entry.identifiers).toEqual({id: '42'})
    expect(op(v1('people').map(record({email: 'a@x.com'}))).entry.identifiers).toEqual({email: 'a@x.com'})
    expect(op(v1('people').map(record({cio_id: 'cio_a3'}))).entry.identifiers).toEqual({cio_id: 'a3'})
    expect(op(createMapper({type: 'people', eventIdSeed: 's'}).map(record({id: 'ann@example.com'}))).entry.identifiers).toEqual({id: 'ann@example.com'})
  })
})
