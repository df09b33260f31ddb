import {execFileSync} from 'node:child_process'
import {pathToFileURL} from 'node:url'
import {join} from 'node:path'
import {decodeTime, encodeTime, isValid} from 'ulid'
import {describe, expect, it} from 'vitest'

import {ULID_PATTERN} from '../../src/cio/limits.js'
import {deriveEventId, EVENT_ID_SCHEME, eventIdDeriver} from '../../src/mapping/index.js'
import {ROOT} from '../helpers/cli.js'

const SEED = 'head:1234'
/** The ten characters after the time: the part that depends on the seed and the line. */
const randomPart = (id: string) => id.slice(10)

describe('event id schemes', () => {
  it('new runs use scheme 2', () => {
    expect(EVENT_ID_SCHEME).toBe(2)
  })

  it('scheme 1 gives exactly the ids earlier versions sent (a resume of their runs depends on it)', () => {
    // Computed with the sha256(seed:line) code as it shipped before schemes existed.
    expect(deriveEventId(SEED, 5, 1_705_312_800_000, 1)).toBe('01HM690K80GWWQAF4Y6TAKHN3V')
    expect(deriveEventId(SEED, 5, undefined, 1)).toBe('0000000000GWWQAF4Y6TAKHN3V')
    expect(deriveEventId('other:99', 123_456_789, 0, 1)).toBe('00000000005FG5Y62YQHZ3K46A')
  })

  it('scheme 2 is pinned too: changing its derivation would make resumed runs send new ids', () => {
    expect(deriveEventId(SEED, 5, 1_705_312_800_000, 2)).toBe('01HM690K8085Q3ZCA1MD4KERT0')
    expect(deriveEventId(SEED, 5, undefined, 2)).toBe('000000000085Q3ZCA1MD4KERT0')
    expect(deriveEventId('other:99', 123_456_789, 0, 2)).toBe('00000000000WGXNBCBFEDHJQF7')
  })
})

describe('scheme 2 event ids', () => {
  it('never repeat within a file: 2M lines with one time, checked with a Set', () => {
    const derive = eventIdDeriver(SEED, 2)
    const seen = new Set<string>()
    for (let line = 1; line <= 2_000_000; line++) seen.add(derive(line, 1_705_312_800_000))
    expect(seen.size).toBe(2_000_000)
  })

  it('never repeat across the 32-bit boundary of the line and up to the largest safe line', () => {
    const derive = eventIdDeriver(SEED, 2)
    const lines = [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40, 2 ** 53 - 2, Number.MAX_SAFE_INTEGER]
    const ids = lines.map((line) => derive(line))
    expect(new Set(ids).size).toBe(lines.length)
    for (const id of ids) expect(id).toMatch(ULID_PATTERN)
  })

  it('are the same for the same seed and line, from the same deriver, a new one, or deriveEventId', () => {
    const first = eventIdDeriver(SEED, 2)
    const second = eventIdDeriver(SEED, 2)
    for (const line of [1, 2, 999, 1_000_000]) {
      const id = first(line, 1_705_312_800_123)
      expect(first(line, 1_705_312_800_123)).toBe(id)
      expect(second(line, 1_705_312_800_123)).toBe(id)
      expect(deriveEventId(SEED, line, 1_705_312_800_123, 2)).toBe(id)
    }
  })

  it('are the same in another process (shards and resumes run in other processes)', () => {
    const module = pathToFileURL(join(ROOT, 'dist/mapping/event-id.js')).href
    const script = `import(${JSON.stringify(module)}).then((m) => { const d = m.eventIdDeriver('${SEED}', 2); console.log(JSON.stringify([1, 77, 4294967297].map((l) => d(l, 1705312800000)))) })`
    const other = JSON.parse(execFileSync(process.execPath, ['-e', script], {encoding: 'utf8'})) as string[]
    const derive = eventIdDeriver(SEED, 2)
    expect(other).toEqual([1, 77, 4_294_967_297].map((line) => derive(line, 1_705_312_800_000)))
  })

  it('differ between seeds (files) for the same lines', () => {
    const a = eventIdDeriver('aaaa:100', 2)
    const b = eventIdDeriver('aaab:100', 2)
    const c = eventIdDeriver('aaaa:101', 2)
    const fromA = new Set<string>()
    for (let line = 1; line <= 100_000; line++) fromA.add(randomPart(a(line)))
    const shared: number[] = []
    for (let line = 1; line <= 100_000; line++) {
      if (fromA.has(randomPart(b(line))) || fromA.has(randomPart(c(line)))) shared.push(line)
    }
    expect(shared).toEqual([])
    expect(b(1)).not.toBe(a(1))
  })

  it('are Crockford ULIDs whose time part is the event time, as the ulid package encodes and decodes it', () => {
    const derive = eventIdDeriver(SEED, 2)
    const times = [1, 31, 32, 1_000, 1_705_312_800_000, 1_705_312_800_999, 2 ** 32, 2 ** 35 + 7, 253_402_300_799_999, 2 ** 48 - 1]
    for (const [i, time] of times.entries()) {
      const id = derive(i + 1, time)
      expect(id).toMatch(ULID_PATTERN)
      expect(isValid(id)).toBe(true)
      expect(id.slice(0, 10)).toBe(encodeTime(time, 10))
      expect(decodeTime(id)).toBe(time)
    }
    // A fractional time is floored, as before.
    expect(decodeTime(derive(1, 1_705_312_800_000.9))).toBe(1_705_312_800_000)
    // Past 48 bits neither scheme can encode the time: both throw ulid's error rather than wrap around.
    expect(() => derive(1, 2 ** 48)).toThrow(/larger than/)
    expect(() => deriveEventId(SEED, 1, 2 ** 48, 1)).toThrow(/larger than/)
  })

  it('encode time 0 without the clock when the event has no time (or a time <= 0)', () => {
    const derive = eventIdDeriver(SEED, 2)
    for (const time of [undefined, 0, -5]) {
      const id = derive(3, time)
      expect(id.slice(0, 10)).toBe('0000000000')
      expect(decodeTime(id)).toBe(0)
      expect(randomPart(id)).toBe(randomPart(derive(3, 1_705_312_800_000)))
    }
  })

  it('use every character of the alphabet in the random part (the bits are spread, not stuck)', () => {
    const derive = eventIdDeriver(SEED, 2)
    const seen = Array.from({length: 16}, () => new Set<string>())
    for (let line = 1; line <= 5000; line++) [...randomPart(derive(line))].forEach((ch, i) => seen[i]!.add(ch))
    // The first three characters come from the seed alone, the fourth holds one seed bit and four of
    // the line's; every other position takes all 32 characters.
    for (const [i, chars] of seen.entries()) expect(chars.size, `position ${i}`).toBe(i < 3 ? 1 : i === 3 ? 16 : 32)
  })
})
