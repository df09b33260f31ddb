import Database from 'better-sqlite3'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {parseJson, ROOT, runCli} from '../helpers/cli.js'
import {closeEmulatorAndDir, emulatorAndDir, targetArgs, type TempDir} from '../helpers/emulator.js'

// The bench-only mode behind the ledger-cost figure: rows land and are counted from the session, while
// the ledger gets no per-batch commits (only the run, its file, and the file's end).
describe('import --bench-no-ledger', () => {
  let emulator: RunningEmulator
  let dir: TempDir
  beforeEach(async () => ({emulator, dir} = await emulatorAndDir()))
  afterEach(() => closeEmulatorAndDir(emulator, dir))

  it('sends every row and reports session counts, with no acknowledgements in the ledger', async () => {
    const state = join(dir.path, 'ledger.sqlite')
    const args = ['import', join(ROOT, 'fixtures/people.csv'), '--type', 'people', ...targetArgs(emulator), '--state', state, '--json']
    const result = await runCli([...args, '--bench-no-ledger', '--max-body-bytes', '5000'], {cwd: dir.path})
    expect(result.code, result.stderr).toBe(0)
    const summary = parseJson(result.stdout)
    expect(summary).toMatchObject({status: 'completed', rows: {read: 200, succeeded: 200, failed: 0, invalid: 0}})
    expect(summary.files[0]).toMatchObject({done: true, rows: {succeeded: 200, failed: 0, invalid: 0}})
    expect(summary.requests.sent).toBeGreaterThan(1)
    expect(emulator.inspect.stats().peopleCount).toBe(200)

    const db = new Database(state, {readonly: true})
    try {
      expect(db.prepare('SELECT COUNT(*) FROM acks WHERE run_id = ?').pluck().get(summary.runId)).toBe(0)
      expect(db.prepare('SELECT done FROM run_files WHERE run_id = ?').pluck().get(summary.runId)).toBe(1)
    } finally {
      db.close()
    }

    // The same import with the ledger records the batches: the flag is what makes the difference.
    const normal = parseJson((await runCli(args, {cwd: dir.path})).stdout)
    const db2 = new Database(state, {readonly: true})
    try {
      expect(db2.prepare('SELECT SUM(succeeded) FROM acks WHERE run_id = ?').pluck().get(normal.runId)).toBe(200)
    } finally {
      db2.close()
    }
  })
})
