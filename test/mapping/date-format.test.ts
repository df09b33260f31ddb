import {describe, expect, it} from 'vitest'

import {compileDateFormat} from '../../src/mapping/date-format.js'
import {createMapper, MappingError, parseMappingFile} from '../../src/mapping/index.js'
import {broken, op, record} from './records.js'

const seconds = (iso: string) => Date.parse(iso) / 1000

describe('declared date formats', () => {
  it('reads US, European and ISO-with-space dates, with or without leading zeros', () => {
    expect(compileDateFormat('MM/DD/YYYY')('03/07/2021')).toBe(Date.parse('2021-03-07T00:00:00Z'))
    expect(compileDateFormat('MM/DD/YYYY')('3/7/2021')).toBe(Date.parse('2021-03-07T00:00:00Z'))
    expect(compileDateFormat('DD/MM/YYYY')('03/07/2021')).toBe(Date.parse('2021-07-03T00:00:00Z'))
    expect(compileDateFormat('DD.MM.YYYY HH:mm')('31.12.2020 23:59')).toBe(Date.parse('2020-12-31T23:59:00Z'))
    expect(compileDateFormat('YYYY-MM-DD HH:mm:ss')('2024-02-29 10:11:12')).toBe(Date.parse('2024-02-29T10:11:12Z'))
  })

  it('refuses values that do not match or do not exist, rather than guessing', () => {
    const us = compileDateFormat('MM/DD/YYYY')
    for (const value of ['13/01/2021', '02/30/2021', '2021-03-07', '03/07/21', '03-07-2021', '', 20210307]) expect(us(value), String(value)).toBeNull()
  })

  it('applies a timezone: an offset or an IANA name, daylight saving included', () => {
    expect(compileDateFormat('YYYY-MM-DD HH:mm', '+02:00')('2021-06-01 12:00')).toBe(Date.parse('2021-06-01T10:00:00Z'))
    expect(compileDateFormat('YYYY-MM-DD HH:mm', '-0530')('2021-06-01 12:00')).toBe(Date.parse('2021-06-01T17:30:00Z'))
    const newYork = compileDateFormat('MM/DD/YYYY HH:mm', 'America/New_York')
    expect(newYork('01/15/2021 09:00')).toBe(Date.parse('2021-01-15T14:00:00Z')) // EST, UTC-5
    expect(newYork('07/15/2021 09:00')).toBe(Date.parse('2021-07-15T13:00:00Z')) // EDT, UTC-4
  })

  it('checks formats and zones in the mapping file, naming the column', () => {
    const fail = (spec: object) => () => parseMappingFile({columns: {d: spec}}, 'm.json')
    expect(fail({format: 'MM/YYYY'})).toThrow(/columns\['d'\]: format "MM\/YYYY" needs YYYY, MM and DD/)
    expect(fail({format: 'MM/DD/YY'})).toThrow(/unknown token at 'YY'/)
    expect(fail({format: 'MM/DD/YYYY hh'})).toThrow(/unknown token at 'hh'/)
    expect(fail({format: 'MM/DD/YYYY', timezone: 'Mars/Olympus'})).toThrow(/unknown timezone "Mars\/Olympus"/)
    expect(fail({format: 'MM/DD/YYYY', type: 'number'})).toThrow(/'format' is for timestamps/)
    expect(fail({timezone: 'UTC'})).toThrow(MappingError)
    expect(() => parseMappingFile({identifier: {column: 'd', type: 'id'}, columns: {d: {format: 'MM/DD/YYYY'}}}, 'm.json')).toThrow(/cannot be renamed, typed/)
  })

  it('turns such columns into Unix seconds for people and events, and names the format when a value does not fit', () => {
    const mapping = parseMappingFile({columns: {signup_date: {as: 'created_at', format: 'MM/DD/YYYY'}, last_seen: {format: 'DD/MM/YYYY'}}}, 'm.json')
    const people = createMapper({type: 'people', eventIdSeed: 's', mapping})
    expect(op(people.map(record({id: '1', signup_date: '12/31/2020', last_seen: '31/12/2020'}))).entry.attributes).toEqual({
      created_at: seconds('2020-12-31T00:00:00Z'),
      last_seen: seconds('2020-12-31T00:00:00Z'),
    })
    expect(broken(people.map(record({id: '1', signup_date: '31/12/2020'})))).toEqual({
      rule: 'timestamp_invalid',
      message: `column 'signup_date' (created_at): "31/12/2020" is not a date in the mapping's format MM/DD/YYYY`,
    })

    const events = createMapper({
      type: 'events',
      eventIdSeed: 's',
      mapping: parseMappingFile({columns: {when: {as: 'timestamp', format: 'YYYY-MM-DD HH:mm', timezone: 'Europe/Berlin'}}}, 'e.json'),
    })
    expect(op(events.map(record({id: '1', name: 'x', when: '2021-01-01 01:00'}))).entry.timestamp).toBe(seconds('2021-01-01T00:00:00Z'))
    expect(broken(events.map(record({id: '1', name: 'x', when: '2021-01-01T01:00:00Z'}))).message).toBe(
      `column 'when': "2021-01-01T01:00:00Z" is not a date in the mapping's format YYYY-MM-DD HH:mm (Europe/Berlin)`,
    )
  })
})
