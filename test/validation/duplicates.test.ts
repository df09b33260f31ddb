import {existsSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {DuplicateCounter, validateInputs} from '../../src/validation/index.js'
import {tempDir} from '../helpers/cli.js'

const work = tempDir('validate-dups-')
afterAll(() => work.cleanup())

/** Exact answer from a Map: rows repeating an earlier key, keys that repeat, lines per key. */
function exact(keys: string[]): {rows: number; keys: number; lines: Map<string, number[]>} {
  const lines = new Map<string, number[]>()
  keys.forEach((key, i) => {
    const list = lines.get(key) ?? []
    list.push(i + 2)
    lines.set(key, list)
  })
  let rows = 0
  let repeated = 0
  for (const list of lines.values()) {
    if (list.length > 1) {
      rows += list.length - 1
      repeated++
    }
  }
  return {rows, keys: repeated, lines}
}

/** A deterministic key stream with repeats near and far apart. */
function keysFor(count: number, distinct: number): string[] {
  let state = 12345
  const next = () => {
    state = (Math.imul(state, 1_103_515_245) + 12345) >>> 0
    return state
  }
  return Array.from({length: count}, () => `id:${next() % distinct}`)
}

describe('DuplicateCounter', () => {
  const cases = [
    {name: 'defaults (one sort per partition)', options: {}},
    {name: 'tiny partitions, buffers and sort chunks (runs merged from disk)', options: {partitions: 4, sortChunkEntries: 7, bufferEntries: 3}},
    {name: 'a single partition', options: {partitions: 1, sortChunkEntries: 50, bufferEntries: 16}},
  ]
  for (const {name, options} of cases) {
    it(`counts exactly like a Map: ${name}`, () => {
      const keys = keysFor(3000, 1800)
      const truth = exact(keys)
      const counter = new DuplicateCounter({tmpDir: work.path, ...options})
      try {
        keys.forEach((key, i) => counter.add(key, 0, i + 2))
        const counts = counter.finish()
        expect(counts.rows).toBe(truth.rows)
        expect(counts.keys).toBe(truth.keys)
        // Examples: the keys whose first repeat comes earliest, with their lines in input order.
        const expected = [...truth.lines.values()]
          .filter((l) => l.length > 1)
          .sort((a, b) => a[1] - b[1])
          .slice(0, 5)
        expect(counts.examples.map((e) => e.lines.map((l) => l.line))).toEqual(expected.map((l) => l.slice(0, 4)))
        expect(counts.examples.map((e) => e.rows)).toEqual(expected.map((l) => l.length))
      } finally {
        counter.dispose()
      }
      expect(readdirSync(work.path).filter((f) => f.startsWith('cio-backfill-dups-'))).toEqual([])
    })
  }

  it('tells files apart and orders examples by file, then line', () => {
    const counter = new DuplicateCounter({tmpDir: work.path, partitions: 2, sortChunkEntries: 3, bufferEntries: 2})
    try {
      counter.add('id:a', 0, 10)
      counter.add('id:b', 0, 11)
      counter.add('id:c', 1, 2)
      counter.add('id:a', 1, 3)
      counter.add('id:b', 1, 4)
      counter.add('id:b', 1, 5)
      const counts = counter.finish()
      expect(counts).toEqual({
        rows: 3,
        keys: 2,
        examples: [
          {rows: 2, lines: [{fileIndex: 0, line: 10}, {fileIndex: 1, line: 3}]},
          {rows: 3, lines: [{fileIndex: 0, line: 11}, {fileIndex: 1, line: 4}, {fileIndex: 1, line: 5}]},
        ],
      })
    } finally {
      counter.dispose()
    }
  })

  it('finds no false repeats among 300,000 distinct keys (64-bit hashes)', () => {
    const counter = new DuplicateCounter({tmpDir: work.path})
    try {
      for (let i = 0; i < 300_000; i++) counter.add(`email:user${i}@example.com`, 0, i + 2)
      expect(counter.finish().rows).toBe(0)
    } finally {
      counter.dispose()
    }
  })
})

describe('validate: repeated identifiers and event ids', () => {
  it('people rows that share an identifier, e-mail case-insensitively, across files', async () => {
    const a = join(work.path, 'people-a.csv')
    const b = join(work.path, 'people-b.csv')
    writeFileSync(a, 'id,email,plan\n1,,free\n2,,pro\n1,,team\n,Jane@Example.com,free\n')
    writeFileSync(b, 'email,plan\njane@example.com,pro\nzed@example.com,free\n')
    const report = await validateInputs({inputs: [a, b], type: 'people', rejectsFile: join(work.path, 'r.csv'), duplicates: {tmpDir: work.path}})
    expect(report.exitCode).toBe(0)
    expect(report.duplicates).toMatchObject({key: 'identifier', rows: 2, keys: 2})
    expect(report.duplicates.examples).toEqual([
      {rows: 2, lines: [{fileIndex: 0, line: 2}, {fileIndex: 0, line: 4}]},
      {rows: 2, lines: [{fileIndex: 0, line: 5}, {fileIndex: 1, line: 2}]},
    ])
    expect(existsSync(join(work.path, 'r.csv'))).toBe(false)
  })

  it('events that repeat an event_id (Customer.io keeps only the first)', async () => {
    const file = join(work.path, 'events.ndjson')
    const id = '01HQ3F0X6Y8Q2W4E5R6T7Y8Z9V'
    const rows = [
      {id: '1', name: 'signup', event_id: id},
      {id: '1', name: 'login'},
      {id: '1', name: 'login'},
      {id: '2', name: 'signup', event_id: id},
    ]
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n')
    const report = await validateInputs({inputs: [file], type: 'events', rejectsFile: join(work.path, 'r.ndjson')})
    expect(report.rows).toEqual({read: 4, valid: 4, invalid: 0})
    // Derived ids are per line, so the two identical login rows are different events.
    expect(report.duplicates).toMatchObject({key: 'event_id', rows: 1, keys: 1, examples: [{rows: 2, lines: [{fileIndex: 0, line: 1}, {fileIndex: 0, line: 4}]}]})
  })
})
