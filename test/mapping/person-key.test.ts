import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {createMapper} from '../../src/mapping/index.js'
import type {MappingFile} from '../../src/mapping/mapping-file.js'
import {record} from './records.js'

// Cells as messy exports have them: empty, blank, numbers, mixed-case emails, cio ids, junk objects.
const cell = fc.oneof(
  fc.constant(''),
  fc.constant('  '),
  fc.constant(null),
  fc.integer({min: -5, max: 1e6}),
  fc.constantFrom('42', ' 42 ', 'Jane@Example.COM', 'cio_03000001', 'a@b', 'x'.repeat(200), '{"a":1}', 'anon-7'),
  fc.string({maxLength: 8}),
  fc.constant({nested: true}),
)
const row = fc.record(
  {
    id: cell, email: cell, cio_id: cell, customer_id: cell, anonymous_id: cell, name: cell, event: cell,
    timestamp: fc.oneof(cell, fc.constant('2024-01-15T10:00:00Z'), fc.constant('not a date')), plan: cell,
  },
  {requiredKeys: []},
)
const mappings: Array<MappingFile | undefined> = [undefined, {identifier: {column: 'customer_id', type: 'id'}} as MappingFile]

describe('the shard key from identifier cells alone', () => {
  for (const type of ['people', 'events'] as const) {
    for (const api of ['v1', 'v2'] as const) {
      for (const mapping of mappings) {
        it(`${type} ${api}${mapping ? ' with a mapping identifier' : ''}: the same person as the full mapping whenever it maps`, () => {
          const mapper = createMapper({type, api, mapping, eventIdSeed: 's'})
          let agreed = 0
          fc.assert(
            fc.property(row, fc.integer({min: 1, max: 1e6}), (fields, line) => {
              const rec = record(fields as Record<string, unknown>, line)
              const key = mapper.personKey(rec)
              const result = mapper.map(rec)
              if (result.ok) {
                agreed++
                expect(key).toBe(result.op.personKey)
              } else if (/identifier/.test(result.violation.rule) && !/v1/.test(result.violation.rule)) {
                // No usable identifier: no person to own the row (it goes by line).
                expect(key).toBeUndefined()
              }
            }),
            {numRuns: 3000},
          )
          // The property says something only if plenty of rows did map.
          expect(agreed).toBeGreaterThan(100)
        })
      }
    }
  }

  it('a row that breaks another rule still has its person, so it stays in its person\'s shard', () => {
    const mapper = createMapper({type: 'events', eventIdSeed: 's'})
    const rec = record({id: '42', name: 'x', timestamp: 'not a date'})
    expect(mapper.map(rec).ok).toBe(false)
    expect(mapper.personKey(rec)).toBe('id:42')
    expect(mapper.personKey(record(null))).toBeUndefined()
  })
})
