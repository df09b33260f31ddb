import {spawnSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {BIN, flat, parseJson, ROOT, runCli} from '../helpers/cli.js'
import {closeEmulatorAndDir, emulatorAndDir, targetArgs, type TempDir} from '../helpers/emulator.js'

const PEOPLE = join(ROOT, 'fixtures/people.csv')
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {version: string}

describe('oclif conventions: did-you-mean, completion, version', () => {
  it('answers a mistyped flag with one line naming the likely flag, not the whole help', async () => {
    const result = await runCli(['import', PEOPLE, '--tpye', 'people'])
    expect(result.code).toBe(2)
    expect(flat(result.stderr)).toMatch(/Unknown flag: --tpye \(did you mean --type\?\)\. See: cio-backfill import --help/)
    expect(result.stderr.split('\n').filter(Boolean).length).toBeLessThanOrEqual(3)
    expect(result.stderr).not.toMatch(/USAGE|FLAGS/)
  })

  it('answers a mistyped flag under --json with code unknown_flag', async () => {
    const result = await runCli(['runs', '--stat', 'x.sqlite', '--json'])
    expect(result.code).toBe(2)
    expect(parseJson(result.stdout).error).toMatchObject({code: 'unknown_flag', exit: 2, message: expect.stringContaining('did you mean --state?')})
  })

  it('offers the closest command for a mistyped one in a terminal (pseudo-terminal via script)', () => {
    // `script` gives the CLI a real tty on stdin, where the plugin asks instead of failing; "n" declines.
    const command = `${process.execPath} ${BIN} imprt`
    const run = spawnSync('script', ['-qec', command, '/dev/null'], {input: 'n\n', encoding: 'utf8', timeout: 30_000, env: {...process.env, FORCE_COLOR: '0'}})
    const screen = run.stdout.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '')
    expect(screen).toMatch(/imprt is not a cio-backfill command/)
    expect(screen).toMatch(/Did you mean import\?/)
  })

  it('exits 127 with a pointer to the command list when a command is unknown outside a terminal', async () => {
    const result = await runCli(['imprt'])
    expect(result.code).toBe(127)
    expect(flat(result.stderr)).toMatch(/imprt is not a cio-backfill command.*Run cio-backfill help for a list of available commands/)
  })

  it('has a version command and --version', async () => {
    for (const args of [['version'], ['--version']]) {
      const result = await runCli(args)
      expect(result.code).toBe(0)
      expect(result.stdout).toContain(`cio-backfill/${pkg.version}`)
    }
  })

  it('prints a bash completion setup', async () => {
    const result = await runCli(['autocomplete', 'bash'], {env: {CIO_BACKFILL_CACHE_DIR: join(ROOT, 'node_modules', '.cache', 'autocomplete-test')}})
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/cio-backfill/)
    expect(result.stdout).toMatch(/bashrc/)
  })
})

describe('--json errors carry a stable code; warnings land in the JSON', () => {
  let emulator: RunningEmulator
  let dir: TempDir
  beforeEach(async () => ({emulator, dir} = await emulatorAndDir()))
  afterEach(() => closeEmulatorAndDir(emulator, dir))

  it('gives usage, input_error, mapping_error, ledger_error, resume_refused and auth_rejected codes', async () => {
    const state = join(dir.path, 'ledger.sqlite')
    const cases: Array<{args: string[]; code: string; exit: number}> = [
      {args: ['import', PEOPLE, '--type', 'people', '--state', state], code: 'usage', exit: 2},
      {args: ['import', join(dir.path, 'missing.csv'), '--type', 'people', ...targetArgs(emulator), '--state', state], code: 'input_error', exit: 2},
      {args: ['validate', PEOPLE, '--type', 'people', '--mapping', join(dir.path, 'missing.json')], code: 'mapping_error', exit: 2},
      {args: ['runs', 'show', '01ARZ3NDEKTSV4RRFFQ69G5FAV', '--state', state], code: 'ledger_error', exit: 2},
      {args: ['resume', ...targetArgs(emulator), '--state', state], code: 'resume_refused', exit: 2},
      {
        args: ['import', PEOPLE, '--type', 'people', '--endpoint', emulator.url, '--site-id', emulator.siteId, '--api-key', 'wrong', '--state', state],
        code: 'auth_rejected',
        exit: 3,
      },
    ]
    for (const c of cases) {
      const result = await runCli([...c.args, '--json'], {cwd: dir.path})
      const json = parseJson(result.stdout)
      // A wrong key is refused by the target check before any run exists: an error, like the others.
      expect(json.error, c.args.join(' ')).toMatchObject({code: c.code, exit: c.exit, message: expect.any(String)})

      expect(result.code, c.args.join(' ')).toBe(c.exit)
    }
  })

  it('puts warnings in the --json output (cleanup of a load test that did not finish)', async () => {
    const env = {CIO_BACKFILL_DATA_DIR: dir.path}
    const loadtest = await runCli(['loadtest', ...targetArgs(emulator), '--stages', '500ms:4', '--start-rate', '4', '--json', '--quiet'], {cwd: dir.path, env})
    expect(loadtest.code, loadtest.stderr).toBe(0)
    const {runId, warnings} = parseJson(loadtest.stdout)
    expect(warnings).toEqual([])
    const recordPath = join(dir.path, 'loadtests', `${runId}.json`)
    writeFileSync(recordPath, readFileSync(recordPath, 'utf8').replace('"status": "finished"', '"status": "running"'))
    const cleanup = await runCli(['loadtest', 'cleanup', runId.toUpperCase(), ...targetArgs(emulator), '--json'], {cwd: dir.path, env})
    expect(cleanup.code, cleanup.stderr).toBe(0)
    expect(parseJson(cleanup.stdout).warnings).toEqual([{message: expect.stringContaining(`Run ${runId} did not finish cleanly`)}])
  })
})
