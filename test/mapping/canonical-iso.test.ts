import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {parseCanonicalIsoMs} from '../../src/mapping/canonical-iso.js'
import {createMapper, inferValueType} from '../../src/mapping/index.js'
import {JsonNumber} from '../../src/source/json-number.js'
import {violations} from '../../src/mapping/rules.js'
import {parseTimestampMs, parseTimestampMsStrict} from '../../src/mapping/timestamps.js'
import {op, record} from './records.js'

const pad = (n: number, width: number) => String(n).padStart(width, '0')

/** Dates near and off the valid ranges: years before 100 and around leap centuries, months 0-13, days 0-32... */
const year = fc.oneof(fc.integer({min: 0, max: 9999}), fc.constantFrom(0, 4, 99, 100, 1600, 1900, 1970, 2000, 2004, 2023, 2024, 2100, 2400, 9999))
const fieldsArb = fc.record({
  year,
  yearWidth: fc.constantFrom(4, 4, 4, 4, 3, 5),
  month: fc.integer({min: 0, max: 13}),
  day: fc.oneof(fc.integer({min: 0, max: 32}), fc.constantFrom(28, 29, 30, 31)),
  time: fc.option(
    fc.record({
      separator: fc.constantFrom('T', 'T', 'T', 't', ' ', '_'),
      hour: fc.integer({min: 0, max: 25}),
      minute: fc.integer({min: 0, max: 61}),
      second: fc.option(fc.integer({min: 0, max: 61}), {freq: 6}),
      fraction: fc.option(fc.record({mark: fc.constantFrom('.', '.', ','), digits: fc.stringMatching(/^\d{0,11}$/)}), {freq: 2}),
      zone: fc.option(
        fc.oneof(
          fc.constantFrom('Z', 'Z', 'z', ' Z', '+00:00', '-00:00'),
          fc
            .record({sign: fc.constantFrom('+', '-'), hours: fc.integer({min: 0, max: 25}), minutes: fc.integer({min: 0, max: 61}), colon: fc.constantFrom(':', ':', ':', '')})
            .map(({sign, hours, minutes, colon}) => `${sign}${pad(hours, 2)}${colon}${pad(minutes, 2)}`),
          fc.integer({min: 0, max: 25}).map((hours) => `+${pad(hours, 2)}`),
        ),
        {freq: 4},
      ),
    }),
    {freq: 4},
  ),
  around: fc.constantFrom('', '', '', '', ' ', '\t'),
})

function textOf(f: typeof fieldsArb extends fc.Arbitrary<infer T> ? T : never): string {
  let text = `${pad(f.year, f.yearWidth)}-${pad(f.month, 2)}-${pad(f.day, 2)}`
  if (f.time !== null) {
    const t = f.time
    text += `${t.separator}${pad(t.hour, 2)}:${pad(t.minute, 2)}`
    if (t.second !== null) {
      text += `:${pad(t.second, 2)}`
      if (t.fraction !== null) text += t.fraction.mark + t.fraction.digits
    }
    if (t.zone !== null) text += t.zone
  }
  return f.around + text + f.around
}

/** Near-valid text: one character replaced, removed or added somewhere in a generated date. */
const mutated = fc
  .tuple(fieldsArb.map(textOf), fc.nat(), fc.constantFrom('replace', 'remove', 'insert'), fc.constantFrom(...'0123456789-:T.Z+ x9'))
  .map(([text, at, how, char]) => {
    const i = at % (text.length + 1)
    if (how === 'remove') return text.slice(0, i) + text.slice(i + 1)
    if (how === 'insert') return text.slice(0, i) + char + text.slice(i)
    return text.slice(0, i) + char + text.slice(i + 1)
  })

/** What the import reads: the fast path when it answers, else the strict path. */
const combined = (text: string) => parseCanonicalIsoMs(text) ?? parseTimestampMsStrict(text)

describe('the canonical ISO 8601 fast path', () => {
  it('reads exactly what the strict path reads, and rejects what it rejects, on generated dates', () => {
    fc.assert(
      fc.property(fieldsArb.map(textOf), (text) => {
        expect(combined(text)).toBe(parseTimestampMsStrict(text))
        expect(parseTimestampMs(text)).toBe(parseTimestampMsStrict(text))
      }),
      {numRuns: 20_000},
    )
  })

  it('agrees with the strict path on near-valid text (a character replaced, removed or added)', () => {
    fc.assert(
      fc.property(mutated, (text) => {
        expect(combined(text)).toBe(parseTimestampMsStrict(text))
      }),
      {numRuns: 20_000},
    )
  })

  it('answers by itself for the canonical forms (so the property above is not only the strict path agreeing with itself)', () => {
    const canonical = fc.record({
      ms: fc.integer({min: Date.UTC(100, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999)}),
      form: fc.constantFrom('date', 'Z', 'ms Z', 'offset', 'no zone', 'ns'),
      offsetMinutes: fc.integer({min: -23 * 60 - 59, max: 23 * 60 + 59}),
    })
    fc.assert(
      fc.property(canonical, ({ms, form, offsetMinutes}) => {
        const iso = new Date(ms).toISOString()
        let text: string
        if (form === 'date') text = iso.slice(0, 10)
        else if (form === 'Z') text = iso.slice(0, 19) + 'Z'
        else if (form === 'ms Z') text = iso
        else if (form === 'no zone') text = iso.slice(0, 19)
        else if (form === 'ns') text = iso.slice(0, 23) + '123456Z'
        else {
          const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23)
          const abs = Math.abs(offsetMinutes)
          text = `${local}${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`
          // A local time past 9999 or before 100 is outside what the fast path takes.
          if (!/^\d{4}-/.test(local) || local < '0100') return
        }
        const fast = parseCanonicalIsoMs(text)
        expect(fast, text).not.toBeUndefined()
        expect(fast).toBe(parseTimestampMsStrict(text))
        if (form === 'ms Z' || form === 'ns' || form === 'offset') expect(fast).toBe(ms)
      }),
      {numRuns: 20_000},
    )
  })

  it('handles leap years, month ends and the fields at their limits like the strict path', () => {
    const cases = [
      '2024-02-29', '2023-02-29', '1900-02-29', '2000-02-29', '2100-02-29', '2400-02-29T00:00:00Z', '2024-04-31', '2024-04-30T23:59:59.999Z',
      '2024-12-31T23:59:59Z', '2024-13-01', '2024-00-10', '2024-01-00', '2024-01-15T24:00:00Z', '2024-01-15T23:60:00Z', '2024-01-15T23:59:60Z',
      '2024-01-15T10:00:00+23:59', '2024-01-15T10:00:00+24:00', '2024-01-15T10:00:00-00:60', '2024-01-15T10:00:00.Z', '2024-01-15T10:00:00.1234567890Z',
      '0000-02-29', '0004-02-29', '0099-12-31T00:00:00Z', '0100-01-01', '9999-12-31T23:59:59.999Z', '2024-01-15T10:00:00Zx', '2024-01-15T10:00:00+02:00x',
      '2024-01-15T10:00Z', '2024-01-15T10:00', '2024-01-15T10:00:00+0200', '2024-01-15T10:00:00+02', '2024-1-15', '２０２４-01-15',
    ]
    for (const text of cases) expect(combined(text), text).toBe(parseTimestampMsStrict(text))
    // The results themselves, for the record.
    expect(parseCanonicalIsoMs('2024-02-29')).toBe(Date.UTC(2024, 1, 29))
    expect(parseCanonicalIsoMs('2024-01-15T10:00:00.5+02:00')).toBe(Date.UTC(2024, 0, 15, 8, 0, 0, 500))
    expect(parseTimestampMsStrict('2023-02-29')).toBeNull()
    expect(parseTimestampMsStrict('1900-02-29')).toBeNull()
  })

  it('gives the mapper the same values and the same rule and message for rejected dates', () => {
    const people = createMapper({type: 'people', eventIdSeed: 's'})
    fc.assert(
      fc.property(fc.oneof(fieldsArb.map(textOf), mutated), (text) => {
        const strict = parseTimestampMsStrict(text)
        const result = people.map(record({id: '1', created_at: text}))
        if (text.trim() === '') return
        if (strict === null) {
          expect(result).toEqual({ok: false, violation: violations.timestampInvalid('created_at', 'created_at', text)})
        } else {
          expect(op(result).entry.attributes?.created_at).toBe(Math.floor(strict / 1000))
        }
      }),
      {numRuns: 5000},
    )
  })

  it('leaves type inference as it was: the same types as the definition before the fast path', () => {
    // inferValueType as written before this change, over the strict parser.
    const reference = (text: string): string => {
      if (text === '') return 'string'
      if (['true', 'false'].includes(text.toLowerCase())) return 'boolean'
      if (/^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(text)) {
        const n = Number(text)
        if (!Number.isSafeInteger(n) && !text.includes('.') && !/[eE]/.test(text)) return 'string'
        return inferValueType(n)
      }
      if (!/^[+-]?\d+(?:\.\d+)?$/.test(text.trim()) && parseTimestampMsStrict(text) !== null) return 'timestamp'
      if (text[0] === '{' || text[0] === '[') {
        try {
          JSON.parse(text)
          return 'json'
        } catch {
          return 'string'
        }
      }
      return 'string'
    }
    const numbers = fc.oneof(fc.integer(), fc.double({noNaN: true, noDefaultInfinity: true}), fc.integer({min: 946_684_800, max: 4_102_444_800})).map(String)
    const exponents = fc.tuple(fc.integer({min: 0, max: 99_999}), fc.integer({min: -20, max: 20})).map(([m, e]) => `${m}e${e}`)
    const texts = fc.oneof(fieldsArb.map(textOf), mutated, numbers, exponents, fc.string({maxLength: 12}), fc.constantFrom('true', 'FALSE', '{"a":1}', '[1', '2024-', '1234-5'))
    fc.assert(
      fc.property(texts, (text) => {
        expect(inferValueType(text)).toBe(reference(text))
      }),
      {numRuns: 20_000},
    )
    expect(inferValueType(new JsonNumber('12345678901234567890'))).toBe('number')
  })
})
