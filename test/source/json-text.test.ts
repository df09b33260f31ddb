import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {JsonNumber, stringifyExact} from '../../src/source/json-number.js'
import {duplicateKeys, jsonDepthOver, mayLoseDigits, MAX_JSON_DEPTH, parseExact} from '../../src/source/json-text.js'

describe('exact JSON for NDJSON lines', () => {
  it('parses like JSON.parse whenever no digits are at stake', () => {
    fc.assert(
      fc.property(fc.jsonValue({maxDepth: 6}), fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined)
        if (mayLoseDigits(text)) return
        expect(parseExact(text)).toStrictEqual(JSON.parse(text))
      }),
      {numRuns: 500},
    )
  })

  it('keeps the digits of numbers a double cannot hold, and writes them back as JSON numbers', () => {
    const text = '{"a": 9007199254740993, "b": [-12345678901234567890123, 1.5], "c": 1234567890.1234567891, "d": 9007199254740992, "e": "\\u00e9\\"x"}'
    const value = parseExact(text) as Record<string, unknown>
    expect(value.a).toEqual(new JsonNumber('9007199254740993'))
    expect(value.b).toEqual([new JsonNumber('-12345678901234567890123'), 1.5])
    expect(value.c).toEqual(new JsonNumber('1234567890.1234567891'))
    expect(value.d).toBe(9007199254740992)
    expect(value.e).toBe('é"x')
    expect(stringifyExact(value)).toBe('{"a":9007199254740993,"b":[-12345678901234567890123,1.5],"c":1234567890.1234567891,"d":9007199254740992,"e":"é\\"x"}')
    expect(String(value.a)).toBe('9007199254740993')
  })

  it('a string that looks like the marker stays a string', () => {
    expect(stringifyExact({s: '\u0000abc:123', n: new JsonNumber('12345678901234567890')})).toBe('{"s":"\\u0000abc:123","n":12345678901234567890}')
  })

  it('finds a run of 16 digits wherever it starts', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('1', '2', '0', 'x', '.', '"'), {maxLength: 80}), (parts) => {
        const text = parts.join('')
        expect(mayLoseDigits(text)).toBe(/\d{16}/.test(text))
      }),
      {numRuns: 2000},
    )
  })

  it('measures nesting only when it can be over the limit, ignoring brackets inside strings', () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n)
    expect(jsonDepthOver(deep(MAX_JSON_DEPTH))).toBe(0)
    expect(jsonDepthOver(deep(MAX_JSON_DEPTH + 1))).toBe(MAX_JSON_DEPTH + 1)
    expect(jsonDepthOver(`{"a": ${deep(5000)}}`)).toBe(5001)
    expect(jsonDepthOver(JSON.stringify({s: '['.repeat(1000) + '"\\'}))).toBe(0)
  })

  it('lists keys that occur twice in one object, and only those', () => {
    const check = (text: string) => duplicateKeys(text, JSON.parse(text))
    expect(check('{"a": 1, "b": {"c": 1, "c": 2}, "a": 3}').sort()).toEqual(['a', 'c'])
    expect(check('{"a": "x:y", "b": {"a": "::"}, "c": [{"a": 1}, {"a": 2}]}')).toEqual([])
    expect(check('{"__proto__": 1, "__proto__": 2}')).toEqual(['__proto__'])
  })
})
