import Database from 'better-sqlite3'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {parseJson, ROOT, runCli} from '../helpers/cli.js'
import {closeEmulatorAndDir, emulatorAndDir, targetArgs, type TempDir} from '../helpers/emulator.js'

/** Issue 14.9: `runs` has a header, a target column and grouped numbers; `runs prune` deletes old runs. */
describe('runs and runs prune', () => {
  let emulator: RunningEmulator
  let dir: TempDir
  let state: string
  beforeEach(async () => {
    ;({emulator, dir} = await emulatorAndDir())
    state = join(dir.path, 'ledger.sqlite')
  })
  afterEach(() => closeEmulatorAndDir(emulator, dir))

  async function importRun(input: string, target: string[]): Promise<string> {
    const result = await runCli(['import', input, '--type', 'people', ...target, '--state', state, '--retry-file', join(dir.path, 'r.csv'), '--json'], {cwd: dir.path})
    expect(result.code, result.stderr).toBeLessThanOrEqual(1)
    return parseJson(result.stdout).runId
  }

  it('lists runs under a header with a target column that tells a rehearsal from a real target, numbers grouped', async () => {
    const big = join(dir.path, 'big.csv')
    writeFileSync(big, `id,plan\n${Array.from({length: 1500}, (_, i) => `p${i},free`).join('\n')}\n`)
    const rehearsal = await importRun(big, ['--emulator'])
    const real = await importRun(join(ROOT, 'fixtures/people.csv'), targetArgs(emulator))

    const text = await runCli(['runs', '--state', state], {cwd: dir.path})
    expect(text.code).toBe(0)
    const lines = text.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^RUN ID\s+CREATED \(UTC\)\s+STATUS\s+TYPE\s+API\s+TARGET\s+SUCCEEDED\s+FAILED\s+INVALID\s+FILES$/)
    const host = new URL(emulator.url).host
    expect(lines[1]).toMatch(new RegExp(`^${real}\\s.*completed\\s+people\\s+v2\\s+${host.replace('.', '\\.')}\\s+200\\s+0\\s+0\\s+.*people\\.csv$`))
    expect(lines[2]).toMatch(new RegExp(`^${rehearsal}\\s.*completed\\s+people\\s+v2\\s+emulator\\s+1,500\\s+0\\s+0\\s+.*big\\.csv$`))
    // Columns line up: every row's SUCCEEDED cell ends where the header's does.
    const end = lines[0].indexOf('SUCCEEDED') + 'SUCCEEDED'.length
    for (const line of lines.slice(1)) expect(line.slice(end - 5, end).trim()).toMatch(/^[\d,]+$/)

    const json = parseJson(await runCli(['runs', '--state', state, '--json'], {cwd: dir.path}).then((r) => r.stdout))
    expect(json.runs[0].target).toEqual({kind: 'endpoint', region: null, host: emulator.url, siteId: emulator.siteId})
    expect(json.runs[1].target).toMatchObject({kind: 'emulator', region: null})
    const show = await runCli(['runs', 'show', rehearsal, '--state', state], {cwd: dir.path})
    expect(show.stdout).toMatch(/people via v2 -> emulator: http:\/\/127\.0\.0\.1:\d+ \(site /)
    expect(show.stdout).toMatch(/rows: 1,500 succeeded/)
  })

  it('prune lists what it would delete unless --yes, and selects by age and status', async () => {
    const old = await importRun(join(ROOT, 'fixtures/people.csv'), targetArgs(emulator))
    const oldWithFailures = await importRun(join(ROOT, 'fixtures/people-with-errors.csv'), targetArgs(emulator))
    const recent = await importRun(join(ROOT, 'fixtures/people.csv'), targetArgs(emulator))
    const db = new Database(state)
    const fortyDaysAgo = Date.now() - 40 * 86_400_000
    db.prepare('UPDATE runs SET updated_at = ?, created_at = ? WHERE id IN (?, ?)').run(fortyDaysAgo, fortyDaysAgo, old, oldWithFailures)
    db.close()

    const dry = await runCli(['runs', 'prune', '--older-than', '30d', '--state', state], {cwd: dir.path})
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toMatch(/Would delete 1 completed, inactive for over 30d run from /)
    expect(dry.stdout).toContain(old)
    expect(dry.stdout).not.toContain(recent)
    expect(dry.stdout).toMatch(/Nothing was deleted\. Add --yes to delete it\./)
    const stillThere = parseJson((await runCli(['runs', '--state', state, '--json'], {cwd: dir.path})).stdout)
    expect(stillThere.runs).toHaveLength(3)

    const pruned = await runCli(['runs', 'prune', '--older-than', '30d', '--status', 'Completed', '--status', 'completed_with_failures', '--yes', '--state', state, '--json'], {
      cwd: dir.path,
    })
    expect(pruned.code, pruned.stderr).toBe(0)
    const result = parseJson(pruned.stdout)
    expect(result).toMatchObject({dryRun: false, deleted: expect.arrayContaining([old, oldWithFailures])})
    expect(result.deleted).toHaveLength(2)

    const left = parseJson((await runCli(['runs', '--state', state, '--json'], {cwd: dir.path})).stdout)
    expect(left.runs.map((r: {runId: string}) => r.runId)).toEqual([recent])
    // Nothing of the deleted runs is left behind in the ledger.
    const check = new Database(state, {readonly: true})
    for (const table of ['run_files', 'acks', 'row_failures']) {
      expect(check.prepare(`SELECT COUNT(*) FROM ${table} WHERE run_id IN (?, ?)`).pluck().get(old, oldWithFailures), table).toBe(0)
    }

    check.close()
    const bad = await runCli(['runs', 'prune', '--status', 'running', '--state', state], {cwd: dir.path})
    expect(bad.code).toBe(2)
  })
})
