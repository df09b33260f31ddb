import {describe, expect, it} from 'vitest'
import {inferValueType, parseTimestamp, parseTimestampMs, suspiciousTimestamp} from '../../src/mapping/index.js'

const NOW = Date.UTC(2026, 10, 23) // pinned so "far future" does not drift

describe('parseTimestamp', () => {
  it('reads ISO 8601 in its common shapes, with zones, as UTC when no zone is given', () => {
    expect(parseTimestamp('2024-01-15T10:00:00Z')).toBe(1_705_312_800)
    expect(parseTimestamp('2024-01-15T10:00:00.999Z')).toBe(1_705_312_800)
    expect(parseTimestamp('2024-01-15t10:00:00z')).toBe(1_705_312_800)
    expect(parseTimestamp('2024-01-15T05:30:00-04:30')).toBe(1_705_312_800)
    expect(parseTimestamp('2024-01-15T12:00+0200')).toBe(1_705_312_800)
    expect(parseTimestamp('2024-01-15T12:00:00+02')).toBe(1_705_312_800)
    expect(parseTimestamp('2024-01-15 10:00:00')).toBe(1_705_312_800)
    expect(parseTimestamp('  2024-01-15T10:00:00Z ')).toBe(1_705_312_800)
    expect(parseTimestamp('2024-02-29')).toBe(1_709_164_800)
    expect(parseTimestampMs('2024-01-15T10:00:00.123456Z')).toBe(1_705_312_800_123)
  })

  it('tells seconds from milliseconds by magnitude and floors to whole seconds', () => {
    expect(parseTimestamp(1_705_312_800)).toBe(1_705_312_800)
    expect(parseTimestamp('1705312800')).toBe(1_705_312_800)
    expect(parseTimestamp(1_705_312_800_500)).toBe(1_705_312_800)
    expect(parseTimestamp('1705312800500')).toBe(1_705_312_800)
    expect(parseTimestamp(1_705_312_800.9)).toBe(1_705_312_800)
    // 99,999,999,999 s would be the year 5138: still read as seconds, and valid
    expect(parseTimestamp(99_999_999_999)).toBe(99_999_999_999)
    // 100,000,000,000 is the first value read as milliseconds (1973)
    expect(parseTimestamp(100_000_000_000)).toBe(100_000_000)
    expect(parseTimestamp(0)).toBe(0)
    expect(parseTimestamp(-86_400)).toBe(-86_400)
  })

  it('rejects what is not a date', () => {
    for (const bad of ['', 'yesterday', '2024-02-30', '2023-02-29', '2024-00-10', '2024-01-15T24:00:00Z', '2024-01-15T10:61:00Z',
      '2024-01-15T10:00:00+25:00', '15/01/2024', '2024-1-5', '1.7e9', '1705312800000000', Infinity, Number.NaN, true, null, {}]) {
      expect(parseTimestamp(bad), String(bad)).toBeNull()
    }
  })
})

describe('suspiciousTimestamp', () => {
  const check = (raw: unknown) => suspiciousTimestamp(raw, parseTimestamp(raw)!, {nowMs: NOW})
  it('flags milliseconds, dates more than a year ahead and dates before 2009', () => {
    expect(check(1_705_312_800_000)).toBe('milliseconds')
    expect(check('1705312800000')).toBe('milliseconds')
    expect(check('2031-01-01T00:00:00Z')).toBe('far_future')
    expect(check('2008-12-31T23:59:59Z')).toBe('before_2009')
    expect(check(86_400)).toBe('before_2009')
  })
  it('leaves ordinary timestamps alone', () => {
    expect(check('2009-01-01T00:00:00Z')).toBeNull()
    expect(check(1_705_312_800)).toBeNull()
    expect(check('2027-06-01')).toBeNull()
  })
})

describe('inferValueType', () => {
  it('guesses types from CSV text without turning ids into numbers', () => {
    expect(inferValueType('hello')).toBe('string')
    expect(inferValueType('')).toBe('string')
    expect(inferValueType('00123')).toBe('string')
    expect(inferValueType('4111111111111111111')).toBe('string')
    expect(inferValueType('42')).toBe('number')
    expect(inferValueType('-3.5')).toBe('number')
    expect(inferValueType('TRUE')).toBe('boolean')
    expect(inferValueType('false')).toBe('boolean')
    expect(inferValueType('2024-01-15T10:00:00Z')).toBe('timestamp')
    expect(inferValueType('2024-01-15')).toBe('timestamp')
    expect(inferValueType('2024-02-30')).toBe('string')
    expect(inferValueType('1705312800')).toBe('timestamp')
    expect(inferValueType('1705312800000')).toBe('timestamp')
    expect(inferValueType('{"a":1}')).toBe('json')
    expect(inferValueType('[1,2]')).toBe('json')
    expect(inferValueType('{not json')).toBe('string')
  })
  it('reads JSON values by their own type', () => {
    expect(inferValueType(42)).toBe('number')
    expect(inferValueType(1_705_312_800)).toBe('timestamp')
    expect(inferValueType(true)).toBe('boolean')
    expect(inferValueType({a: 1})).toBe('json')
    expect(inferValueType([1])).toBe('json')
    expect(inferValueType(null)).toBe('string')
  })
})
