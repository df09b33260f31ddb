import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {flat, parseJson, ROOT, runCli, tempDir} from '../helpers/cli.js'

const PEOPLE = join(ROOT, 'fixtures/people.csv')
const KEY = ['--site-id', 's', '--api-key', 'k']

/** Exit 2, a sentence naming the ledger, the JSON error's exit field, never a raw errno or a stack. */
function expectConfigurationError(result: {code: number | null; stdout: string; stderr: string}, pattern: RegExp): void {
  expect(result.code, result.stderr + result.stdout).toBe(2)
  const error = parseJson(result.stdout).error
  expect(error.exit).toBe(2)
  expect(error.message).toMatch(pattern)
  expect(result.stderr + result.stdout).not.toMatch(/Code: E|\n\s+at /)
}

describe('a ledger that cannot be opened', () => {
  let dir: ReturnType<typeof tempDir>
  beforeEach(() => (dir = tempDir()))
  afterEach(() => dir.cleanup())

  it('--state under a path whose parent is a file: exit 2 with a sentence for import, resume and runs', async () => {
    writeFileSync(join(dir.path, 'a-file'), 'x')
    const state = join(dir.path, 'a-file', 'ledger.sqlite')
    const imported = await runCli(['import', PEOPLE, '--type', 'people', '--emulator', '--state', state, '--json'], {cwd: dir.path})
    expectConfigurationError(imported, /a-file.* is a file, not a folder|a part of that path is a file, not a folder/)
    const resumed = await runCli(['resume', ...KEY, '--state', state, '--json'], {cwd: dir.path})
    expectConfigurationError(resumed, /a-file is a file, not a folder/)
    const listed = await runCli(['runs', '--state', state, '--json'], {cwd: dir.path})
    expectConfigurationError(listed, /a-file is a file, not a folder/)
  })

  it('resume and runs on an empty data directory create no ledger', async () => {
    const dataDir = join(dir.path, 'data')
    mkdirSync(dataDir)
    const env = {CIO_BACKFILL_DATA_DIR: dataDir}
    const listed = await runCli(['runs'], {cwd: dir.path, env})
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.stdout).toMatch(/No runs in .*ledger\.sqlite/)
    const resumed = await runCli(['resume', ...KEY, '--json'], {cwd: dir.path, env})
    expect(resumed.code).toBe(2)
    expect(parseJson(resumed.stdout).error.message).toMatch(/no unfinished run in/)
    const shown = await runCli(['runs', 'show', '01ARZ3NDEKTSV4RRFFQ69G5FAV'], {cwd: dir.path, env})
    expect(shown.code).toBe(2)
    expect(readdirSync(dataDir)).toEqual([])
  })

  it('resume on a file that is not a database, or a ledger cut short, exits 2 like import', async () => {
    const state = join(dir.path, 'ledger.sqlite')
    const first = await runCli(['import', PEOPLE, '--type', 'people', '--emulator', '--state', state], {cwd: dir.path})
    expect(first.code, first.stderr).toBe(0)
    const truncated = join(dir.path, 'truncated.sqlite')
    writeFileSync(truncated, readFileSync(state).subarray(0, 3000))
    const garbage = join(dir.path, 'garbage.sqlite')
    writeFileSync(garbage, 'this is not a database\n'.repeat(100))
    for (const bad of [truncated, garbage]) {
      expectConfigurationError(await runCli(['resume', ...KEY, '--state', bad, '--json'], {cwd: dir.path}), /not a cio-backfill ledger/)
      expectConfigurationError(
        await runCli(['import', PEOPLE, '--type', 'people', '--emulator', '--state', bad, '--json'], {cwd: dir.path}),
        /not a cio-backfill ledger/,
      )
      const listed = await runCli(['runs', '--state', bad], {cwd: dir.path})
      expect(listed.code).toBe(2)
      expect(flat(listed.stderr)).toMatch(/not a cio-backfill ledger/)
    }
  })
})

/** A ledger on a read-only mount (root can write through file permissions, not through a read-only mount). */
describe('a read-only ledger', () => {
  let mountPoint: string
  let mounted = false
  let mountProblem: string | null = null
  let dir: ReturnType<typeof tempDir>

  beforeAll(() => {
    dir = tempDir()
    mountPoint = mkdtempSync(join(tmpdir(), 'cio-ledger-ro-'))
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint], {stdio: 'pipe'})
      mounted = true
    } catch (error) {
      mountProblem = `cannot mount a tmpfs at ${mountPoint} (this test needs root, as CI has): ${(error as Error).message}`
    }
  })

  afterAll(() => {
    if (mounted) execFileSync('umount', ['-l', mountPoint])
    rmSync(mountPoint, {recursive: true, force: true})
    dir.cleanup()
  })

  it('runs lists it and runs show shows it; resume exits 2 with a sentence', async () => {
    expect(mountProblem).toBeNull()
    const state = join(mountPoint, 'ledger.sqlite')
    const imported = await runCli(['import', PEOPLE, '--type', 'people', '--emulator', '--state', state, '--json'], {cwd: dir.path})
    expect(imported.code, imported.stderr).toBe(0)
    const runId = parseJson(imported.stdout).runId
    execFileSync('mount', ['-o', 'remount,ro', mountPoint])

    const listed = await runCli(['runs', '--state', state, '--json'], {cwd: dir.path})
    expect(listed.code, listed.stderr).toBe(0)
    expect(parseJson(listed.stdout).runs).toMatchObject([{runId, status: 'completed', rows: {succeeded: 200}}])
    const shown = await runCli(['runs', 'show', runId, '--state', state, '--json'], {cwd: dir.path})
    expect(shown.code, shown.stderr).toBe(0)
    expect(parseJson(shown.stdout).runId).toBe(runId)

    const resumed = await runCli(['resume', runId, '--emulator', '--state', state, '--json'], {cwd: dir.path})
    expectConfigurationError(resumed, /cannot open the ledger/)
    expect(existsSync(`${state}-wal`)).toBe(false)
  })
})
