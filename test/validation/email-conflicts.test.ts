import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {DuplicateCounter, validateInputs} from '../../src/validation/index.js'
import {tempDir} from '../helpers/cli.js'

const work = tempDir('validate-emails-')
afterAll(() => work.cleanup())

/** The exact answer from a Map: rows whose email's first owner is someone else, emails with such rows. */
function exact(rows: Array<[string, string]>): {rows: number; keys: number; firstConflicts: number[][]} {
  const groups = new Map<string, {owner: string; lines: number[]; conflicting: number}>()
  let conflicting = 0
  rows.forEach(([email, owner], i) => {
    const line = i + 2
    const group = groups.get(email)
    if (group === undefined) groups.set(email, {owner, lines: [line], conflicting: 0})
    else if (group.owner !== owner) {
      group.conflicting++
      conflicting++
      group.lines.push(line)
    }
  })
  const withConflicts = [...groups.values()].filter((g) => g.conflicting > 0)
  const firstConflicts = withConflicts
    .sort((a, b) => a.lines[1] - b.lines[1])
    .slice(0, 5)
    .map((g) => g.lines.slice(0, 4))
  return {rows: conflicting, keys: withConflicts.length, firstConflicts}
}

function rowsFor(count: number): Array<[string, string]> {
  let state = 99
  const next = () => (state = (Math.imul(state, 1_103_515_245) + 12345) >>> 0)
  // Few emails, a few owners each: same-owner repeats and other-owner conflicts both occur.
  return Array.from({length: count}, () => [`e${next() % 700}@x.com`, `id:${next() % 3}`] as [string, string])
}

describe('DuplicateCounter with owners (email conflicts)', () => {
  for (const options of [{}, {partitions: 4, sortChunkEntries: 7, bufferEntries: 3}]) {
    it(`counts rows of a second owner exactly like a Map (${JSON.stringify(options)})`, () => {
      const rows = rowsFor(3000)
      const truth = exact(rows)
      const counter = new DuplicateCounter({tmpDir: work.path, owners: true, ...options})
      try {
        rows.forEach(([email, owner], i) => counter.add(email, 0, i + 2, owner))
        const counts = counter.finish()
        expect(truth.rows).toBeGreaterThan(100)
        expect(counts.rows).toBe(truth.rows)
        expect(counts.keys).toBe(truth.keys)
        expect(counts.examples.map((e) => e.lines.map((l) => l.line))).toEqual(truth.firstConflicts)
      } finally {
        counter.dispose()
      }
    })
  }
})

describe('validate: emails that two people set', () => {
  it('counts them case-insensitively, with lines, and leaves same-person and email-only rows alone', async () => {
    const input = join(work.path, 'people.csv')
    writeFileSync(
      input,
      [
        'id,email,plan',
        'u1,Ann@X.com,a', // line 2: first owner of ann@x.com
        'u1,ann@x.com,b', // 3: same person again: fine
        'u2,ANN@x.com,c', // 4: another person: conflict
        ',ann@x.com,d', // 5: addressed by the email itself: updates whoever holds it
        'u3,bob@x.com,e', // 6
        'u4,bob@x.com,f', // 7: conflict
        'u5,,g', // 8: no email
      ].join('\n') + '\n',
    )
    const report = await validateInputs({inputs: [input], type: 'people', rejectsFile: join(work.path, 'r.csv'), duplicates: {tmpDir: work.path}})
    expect(report.emailConflicts.rows).toBe(2)
    expect(report.emailConflicts.keys).toBe(2)
    expect(report.emailConflicts.examples.map((e) => e.lines.map((l) => l.line))).toEqual([
      [2, 4],
      [6, 7],
    ])
    // Line 3 (the same person again) is neither shown nor counted in the example.
    expect(report.emailConflicts.examples.map((e) => e.rows)).toEqual([2, 2])
  })
})
