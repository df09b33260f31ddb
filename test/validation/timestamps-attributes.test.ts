import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {renderReport, validateInputs} from '../../src/validation/index.js'
import {tempDir} from '../helpers/cli.js'

const work = tempDir('validate-ts-')
afterAll(() => work.cleanup())
const nowMs = Date.UTC(2026, 0, 1)

describe('validate: timestamps whose unit or range looks wrong', () => {
  it('people: typed columns get all three checks, untyped ones only the milliseconds check', async () => {
    const file = join(work.path, 'people.csv')
    writeFileSync(
      file,
      [
        'id,created_at,last_login,birthday,renewal',
        '1,1705312800,1705312800000,1985-03-02,',
        '2,1705312800000,1705312800,1990-01-01,1705312800',
        '3,4102444800,,,2030-01-01',
        '4,2005-06-01,,,',
        '5,2024-01-15T10:00:00Z,,,',
      ].join('\n') + '\n',
    )
    const report = await validateInputs({
      inputs: [file],
      type: 'people',
      mapping: {columns: {renewal: {type: 'timestamp'}}},
      nowMs,
      rejectsFile: join(work.path, 'r.csv'),
    })
    expect(report.exitCode).toBe(0)
    expect(report.timestamps).toEqual([
      {
        column: 'created_at',
        typed: true,
        checked: 5,
        suspicions: [
          {kind: 'milliseconds', count: 1, examples: [{file, line: 3, value: '1705312800000'}]},
          {kind: 'far_future', count: 1, examples: [{file, line: 4, value: '4102444800'}]},
          {kind: 'before_2009', count: 1, examples: [{file, line: 5, value: '2005-06-01'}]},
        ],
      },
      // Sent as text: only the unit is suspicious; a birthday before 2009 is not.
      {column: 'last_login', typed: false, checked: 2, suspicions: [{kind: 'milliseconds', count: 1, examples: [{file, line: 2, value: '1705312800000'}]}]},
      {column: 'renewal', typed: true, checked: 2, suspicions: [{kind: 'far_future', count: 1, examples: [{file, line: 4, value: '2030-01-01'}]}]},
    ])
    const text = renderReport(report).join('\n')
    expect(text).toContain('created_at: 1 value of 5 look like Unix milliseconds (import converts them to seconds; check that the source meant milliseconds) (line 3: 1705312800000)')
    expect(text).toContain('last_login: 1 value of 2 look like Unix milliseconds (Customer.io wants seconds) (line 2: 1705312800000)')
    expect(text).toContain('created_at: 1 value of 5 are before 2009 (before Customer.io existed) (line 5: 2005-06-01)')
    expect(text).toContain(`'last_login' is sent as text: type it as "timestamp" in the mapping`)
  })

  it('events: the timestamp field in milliseconds or far ahead', async () => {
    const file = join(work.path, 'events.ndjson')
    const rows = [
      {id: '1', name: 'a', timestamp: 1705312800000},
      {id: '1', name: 'b', timestamp: '2999-01-01T00:00:00Z'},
      {id: '1', name: 'c', timestamp: 1705312800},
    ]
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n')
    const report = await validateInputs({inputs: [file], type: 'events', nowMs, rejectsFile: join(work.path, 'r.ndjson')})
    expect(report.timestamps).toEqual([
      {
        column: 'timestamp',
        typed: true,
        checked: 3,
        suspicions: [
          {kind: 'milliseconds', count: 1, examples: [{file, line: 1, value: '1705312800000'}]},
          {kind: 'far_future', count: 1, examples: [{file, line: 2, value: '2999-01-01T00:00:00Z'}]},
        ],
      },
    ])
  })
})

describe('validate: attribute profile', () => {
  it('names as sent, rows that carry a value, the type or the mix', async () => {
    const file = join(work.path, 'profile.csv')
    writeFileSync(
      file,
      ['id,Age,zip,vip,created_at,prefs,ignored', '1,41,02139,true,1705312800,"{""a"":1}",x', '2,forty,10001,false,2024-01-01,,y', '3,,,,,,z'].join('\n') + '\n',
    )
    const report = await validateInputs({
      inputs: [file],
      type: 'people',
      mapping: {columns: {Age: {as: 'age'}, ignored: {ignore: true}}},
      rejectsFile: join(work.path, 'r.csv'),
    })
    const byName = Object.fromEntries(report.attributes.map((a) => [a.name, a]))
    expect(Object.keys(byName).sort()).toEqual(['age', 'created_at', 'prefs', 'vip', 'zip'])
    expect(byName.age).toEqual({name: 'age', rows: 2, type: 'mixed', types: [{type: 'string', rows: 1}, {type: 'number', rows: 1}]})
    // "02139" keeps its leading zero: text, not a number.
    expect(byName.zip).toMatchObject({rows: 2, type: 'mixed'})
    expect(byName.vip).toMatchObject({rows: 2, type: 'boolean'})
    expect(byName.created_at).toMatchObject({rows: 2, type: 'timestamp'})
    expect(byName.prefs).toMatchObject({rows: 1, type: 'json'})
    expect(renderReport(report).join('\n')).toMatch(/age\s+2\s+mixed: string 1, number 1/)
  })

  it('events: the data keys', async () => {
    const file = join(work.path, 'data.ndjson')
    writeFileSync(file, [{id: '1', name: 'buy', data: {amount: 12.5, sku: 'A-1'}}, {id: '2', name: 'buy', data: {amount: 3}, coupon: 'X'}].map((r) => JSON.stringify(r)).join('\n') + '\n')
    const report = await validateInputs({inputs: [file], type: 'events', rejectsFile: join(work.path, 'r.ndjson')})
    expect(report.attributes).toEqual([
      {name: 'amount', rows: 2, type: 'number', types: [{type: 'number', rows: 2}]},
      {name: 'coupon', rows: 1, type: 'string', types: [{type: 'string', rows: 1}]},
      {name: 'sku', rows: 1, type: 'string', types: [{type: 'string', rows: 1}]},
    ])
  })
})
