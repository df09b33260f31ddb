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

  it('warns about dropped identifier columns and long attribute names', () => {
    const problems = checkColumns({
      type: 'people',
      columns: ['uid', 'id', 'x'.repeat(151)],
      mapping: {identifier: {column: 'uid', type: 'id'}},
    })
    expect(rules(problems)).toEqual(['warning:attribute_name_too_long', 'warning:column_ignored'])
  })

  it('refuses a mapping column missing from the header, offering the closest header names', () => {
    const problems = checkColumns({type: 'people', columns: ['id', 'Email', 'Name'], mapping: {columns: {Emial: {as: 'email'}, Gone: {ignore: true}}}})
    expect(problems).toEqual([
      {level: 'error', rule: 'mapping_column_missing', message: `the mapping names column 'Emial', which is not in the header (did you mean "Email"?)`},
      {level: 'error', rule: 'mapping_column_missing', message: `the mapping names column 'Gone', which is not in the header`},
    ])
    expect(() => createMapper({type: 'people', eventIdSeed: 's', columns: ['id', 'Email'], mapping: {columns: {Emial: {}}}})).toThrow(/did you mean "Email"/)
  })

  it('suggests names for a missing identifier column too, case and spacing aside', () => {
    const problems = checkColumns({type: 'people', columns: ['User ID', 'Email'], mapping: {identifier: [{column: 'user_id', type: 'id'}, {column: 'Email', type: 'email'}]}})
    expect(problems).toEqual([
      {level: 'error', rule: 'identifier_column_missing', message: `the mapping's identifier column 'user_id' is not in the header (did you mean "User ID"?)`},
    ])
  })

  it('accepts fallback identifier columns and warns only about other id columns', () => {
    const mapping = {identifier: [{column: 'User ID', type: 'id' as const}, {column: 'Email', type: 'email' as const}]}
    expect(rules(checkColumns({type: 'people', columns: ['User ID', 'Email', 'id'], mapping}))).toEqual(['warning:column_ignored'])
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
