import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {type RunRecord, readRunRecord, sequencesToDelete, writeRunRecord} from '../../src/loadtest/run-record.js'
import {SequenceRanges} from '../../src/loadtest/sequence-ranges.js'

describe('sequence ranges', () => {
  it('merges numbers arriving out of order into inclusive ranges', () => {
    const ranges = new SequenceRanges()
    for (const n of [3, 1, 2, 7, 5, 6, 10, 2]) ranges.add(n)
    expect(ranges.toJSON()).toEqual([[1, 3], [5, 7], [10, 10]])
    ranges.add(4)
    ranges.add(9)
    ranges.add(8)
    expect(ranges.toJSON()).toEqual([[1, 10]])
    expect(ranges.count).toBe(10)
  })

  it('rebuilds from stored ranges without expanding them', () => {
    const ranges = new SequenceRanges([[5, 9], [1, 2], [3, 3], [20, 1_000_000]])
    expect(ranges.toJSON()).toEqual([[1, 3], [5, 9], [20, 1_000_000]])
    expect(ranges.count).toBe(3 + 5 + 999_981)
  })
})

describe('run record', () => {
  let dir: string | undefined
  afterEach(async () => {
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  const record = (overrides: Partial<RunRecord> = {}): RunRecord => ({
    version: 1,
    runId: 'abc123',
    idPrefix: 'lt-abc123-',
    host: 'http://127.0.0.1:1',
    siteId: 'site',
    api: 'v1',
    status: 'finished',
    startedAt: new Date().toISOString(),
    plannedSeqMax: 100,
    lastSeq: 40,
    createdRanges: [[1, 10], [12, 40]],
    createdCount: 39,
    ...overrides,
  })

  it('round-trips through a file that never holds the API key', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lt-record-'))
    const written = record()
    const file = await writeRunRecord(dir, written)
    expect(await readRunRecord(dir, 'abc123')).toEqual(written)
    expect(await readFile(file, 'utf8')).not.toMatch(/api.?key/i)
  })

  it('explains a missing run and lists the known ones', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lt-record-'))
    await writeRunRecord(dir, record())
    await expect(readRunRecord(dir, 'zzz')).rejects.toThrow(/No record for run zzz in .*Known runs: abc123/)
    await expect(readRunRecord(dir, '../etc/passwd')).rejects.toThrow(/is not a load-test run id/)
  })

  it('deletes exactly the recorded people of a finished run, everything plannable of an unfinished one', () => {
    expect(sequencesToDelete(record()).toJSON()).toEqual([[1, 10], [12, 40]])
    expect(sequencesToDelete(record({status: 'running'})).toJSON()).toEqual([[1, 100]])
  })
})
