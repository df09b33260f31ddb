import {describe, expect, it} from 'vitest'
import {checkColumns, ColumnsError, createMapper, MappingError} from '../../src/mapping/index.js'

const rules = (problems: {level: string; rule: string}[]) => problems.map((p) => `${p.level}:${p.rule}`)

describe('checkColumns', () => {
  it('finds nothing wrong with a plain people or events header (retry-file columns included)', () => {
    expect(checkColumns({type: 'people', columns: ['email', 'first_name', '_line', '_error']})).toEqual([])
    expect(checkColumns({type: 'events', columns: ['anonymous_id', 'event', 'timestamp', 'price']})).toEqual([])
  })

  it('says once that a people file has no identifier column', () => {
    const problems = checkColumns({type: 'people', columns: ['first_name', 'last_name']})
    expect(problems).toEqual([
      {
        level: 'error',
        rule: 'identifier_column_missing',
        message: `no identifier column: the header needs one of 'id', 'email', 'cio_id', or a mapping file naming the identifier column ("identifier": {"column": "...", "type": "id"})`,
      },
    ])
  })

  it('accepts a header whose identifier comes from a rename, and rejects a mapping identifier absent from the header', () => {
    expect(checkColumns({type: 'people', columns: ['Mail'], mapping: {columns: {Mail: {as: 'email'}}}})).toEqual([])
    expect(rules(checkColumns({type: 'people', columns: ['Mail'], mapping: {identifier: {column: 'Email', type: 'email'}}}))).toEqual([
      'error:identifier_column_missing',
    ])
  })

  it('wants an event name column for events', () => {
    expect(rules(checkColumns({type: 'events', columns: ['id', 'timestamp']}))).toEqual(['error:event_name_column_missing'])
  })

  it('reports two columns that become the same attribute', () => {
    const problems = checkColumns({type: 'people', columns: ['id', 'plan', 'Plan'], mapping: {columns: {Plan: {as: 'plan'}}}})
    expect(rules(problems)).toEqual(['error:column_collision'])
    expect(problems[0]!.message).toContain("columns 'plan' and 'Plan' both become 'plan'")
  })

  it('warns about dropped identifier columns, long attribute names and mapping columns not in the header', () => {
    const problems = checkColumns({
      type: 'people',
      columns: ['uid', 'id', 'x'.repeat(151)],
      mapping: {identifier: {column: 'uid', type: 'id'}, columns: {Gone: {ignore: true}}},
    })
    expect(rules(problems)).toEqual(['warning:attribute_name_too_long', 'warning:column_ignored', 'warning:mapping_column_missing'])
  })

  it('is what createMapper throws, as one ColumnsError, when given the header', () => {
    expect(() => createMapper({type: 'people', eventIdSeed: 's', columns: ['first_name']})).toThrow(ColumnsError)
    // the importer treats errors named MappingError as bad input (exit 2), not as a crash
    const error = (() => {
      try {
        createMapper({type: 'events', eventIdSeed: 's', columns: ['x']})
      } catch (e) {
        return e as ColumnsError
      }
    })()!
    expect(error).toBeInstanceOf(MappingError)
    expect(error.name).toBe('MappingError')
    expect(error.problems.map((p) => p.rule)).toEqual(['identifier_column_missing', 'event_name_column_missing'])
    expect(() => createMapper({type: 'people', eventIdSeed: 's', columns: ['id', 'x'.repeat(151)]})).not.toThrow()
    expect(() => createMapper({type: 'people', eventIdSeed: 's', columns: null})).not.toThrow()
  })
})
