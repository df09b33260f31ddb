import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {parseJson, runCli} from '../helpers/cli.js'
import {closeEmulatorAndDir, testEmulator, type TempDir} from '../helpers/emulator.js'
import {tempDir} from '../helpers/cli.js'

/** Issue 14.8: API rejections grouped by Customer.io's reason, and the exact command that sends the fixed rows. */
describe('the summary says why Customer.io rejected rows and what to run next', () => {
  let emulator: RunningEmulator
  let dir: TempDir
  beforeEach(async () => {
    // Whole requests carrying POISON are refused (400), so those rows fail alone with that message.
    emulator = await testEmulator({faults: {refuseBodiesContaining: 'POISON', rejectEntriesContaining: 'REJECTED'}})
    dir = tempDir()
  })
  afterEach(() => closeEmulatorAndDir(emulator, dir))

  it('groups rejected rows by reason with counts, in text and --json, and prints a retry import that runs', async () => {
    // The REJECTED rows are refused per entry (207); the POISON row is refused as a request of its own.
    const input = join(dir.path, 'people.csv')
    writeFileSync(input, 'id,plan\np1,REJECTED\np2,REJECTED\np3,POISON\n')
    const env = {CIO_SITE_ID: emulator.siteId, CIO_API_KEY: emulator.apiKey}
    const state = join(dir.path, 'ledger.sqlite')
    const base = ['import', input, '--type', 'people', '--endpoint', emulator.url, '--state', state]

    const json = await runCli([...base, '--retry-file', join(dir.path, 'r1.csv'), '--json'], {cwd: dir.path, env})
    expect(json.code, json.stderr).toBe(1)
    const summary = parseJson(json.stdout)
    expect(summary.rows).toMatchObject({read: 3, failed: 3})
    expect(summary.rejectionsByReason).toHaveLength(2)
    expect(summary.rejectionsByReason[0]).toEqual({reason: expect.stringMatching(/rejectEntriesContaining/), count: 2})
    expect(summary.rejectionsByReason[1]).toEqual({reason: expect.any(String), count: 1})
    expect(summary.retryCommand).toBe(`cio-backfill import ${join(dir.path, 'r1.csv')} --type people --endpoint ${emulator.url} --state ${state}`)

    const text = await runCli([...base, '--retry-file', join(dir.path, 'r2.csv')], {cwd: dir.path, env})
    expect(text.code).toBe(1)
    expect(text.stdout).toMatch(/rejected by Customer\.io, by reason:\n {4}2 {2}.*rejectEntriesContaining.*\n {4}1 {2}\S/i)
    expect(text.stdout).toContain(
      `next: fix the rows in the retry file (each row's reason is in its _error column), then send them with:\n` +
        `    cio-backfill import ${join(dir.path, 'r2.csv')} --type people --endpoint ${emulator.url} --state ${state}`,
    )

    // The printed command is the one to run: fix the file, run it as printed (credentials from the environment).
    writeFileSync(join(dir.path, 'r2.csv'), readFileSync(join(dir.path, 'r2.csv'), 'utf8').replace('POISON', 'REJECTED'))
    const [, ...args] = summary.retryCommand.replace(join(dir.path, 'r1.csv'), join(dir.path, 'r2.csv')).split(' ')
    const again = await runCli([...args, '--retry-file', join(dir.path, 'r3.csv'), '--json'], {cwd: dir.path, env})
    const second = parseJson(again.stdout)
    // The changed row is no longer refused as a request; it is now refused per entry like the other two.
    expect(second.rows).toMatchObject({read: 3, failed: 3})
    expect(second.rejectionsByReason).toEqual([{reason: expect.stringMatching(/rejectEntriesContaining/), count: 3}])
  })

  it('prints no retry command when every row landed, and keeps the mapping, API and emulator in it when rows fail', async () => {
    const ok = join(dir.path, 'ok.csv')
    writeFileSync(ok, 'id,plan\np1,pro\n')
    const clean = await runCli(['import', ok, '--type', 'people', '--emulator', '--state', join(dir.path, 'l.sqlite'), '--json'], {cwd: dir.path})
    expect(clean.code, clean.stderr).toBe(0)
    expect(parseJson(clean.stdout)).toMatchObject({retryCommand: null, rejectionsByReason: []})

    const mapping = join(dir.path, 'my mapping.json')
    writeFileSync(mapping, JSON.stringify({version: 1, type: 'people', columns: {when: {as: 'created_at', type: 'timestamp'}}}))
    const bad = join(dir.path, 'bad.csv')
    writeFileSync(bad, 'id,when\np2,not-a-date\n')
    const failed = await runCli(['import', bad, '--mapping', mapping, '--api', 'v1', '--emulator', '--retry-file', join(dir.path, 'r.csv'), '--json'], {
      cwd: dir.path,
      env: {CIO_BACKFILL_DATA_DIR: dir.path},
    })
    expect(failed.code, failed.stderr).toBe(1)
    expect(parseJson(failed.stdout).retryCommand).toBe(`cio-backfill import ${join(dir.path, 'r.csv')} --type people --mapping '${mapping}' --api v1 --emulator`)
  })
})
