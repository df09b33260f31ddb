import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {flat, parseJson, ROOT, runCli} from '../helpers/cli.js'
import {closeEmulatorAndDir, emulatorAndDir, targetArgs, type TempDir} from '../helpers/emulator.js'

const PEOPLE = join(ROOT, 'fixtures/people.csv')

/** Issue 14.10: one duration syntax, case-insensitive choices and run ids, RUN_ID everywhere, --quiet, --type from the mapping. */
describe('flags and arguments behave the same in every command', () => {
  let emulator: RunningEmulator
  let dir: TempDir
  beforeEach(async () => ({emulator, dir} = await emulatorAndDir()))
  afterEach(() => closeEmulatorAndDir(emulator, dir))

  const state = () => join(dir.path, 'ledger.sqlite')
  const importPeople = (...extra: string[]) =>
    runCli(['import', PEOPLE, ...targetArgs(emulator), '--state', state(), '--retry-file', join(dir.path, 'r.csv'), ...extra], {cwd: dir.path})

  it('reads --timeout as 10s, 500ms, 2m or bare seconds, and refuses anything else with the same sentence', async () => {
    for (const timeout of ['10s', '1500ms', '2m', '10']) {
      const result = await importPeople('--type', 'people', '--timeout', timeout, '--json')
      expect(result.code, `${timeout}: ${result.stderr}`).toBe(0)
    }

    const bad = await importPeople('--type', 'people', '--timeout', '10x')
    expect(bad.code).toBe(2)
    expect(flat(bad.stderr)).toMatch(/expected a duration such as 500ms, 10s, 2m or 30 \(seconds\), got "10x"/)
    const tooLong = await importPeople('--type', 'people', '--timeout', '11m')
    expect(tooLong.code).toBe(2)
    expect(flat(tooLong.stderr)).toMatch(/between 1s and 10m/)
  })

  it('loadtest and its cleanup take the same durations, bare seconds included', async () => {
    const loadtest = await runCli(['loadtest', '--emulator', '--stages', '500ms:4', '--start-rate', '4', '--timeout', '10', '--graceful-stop', '2', '--json', '--quiet'], {
      cwd: dir.path,
      env: {CIO_BACKFILL_DATA_DIR: dir.path},
    })
    expect(loadtest.code, loadtest.stderr).toBe(0)
    const cleanupBad = await runCli(['loadtest', 'cleanup', 'x', '--timeout', 'soon', ...targetArgs(emulator)], {cwd: dir.path})
    expect(cleanupBad.code).toBe(2)
    expect(flat(cleanupBad.stderr)).toMatch(/expected a duration such as 500ms, 10s, 2m or 30 \(seconds\), got "soon"/)
  })

  it('accepts --type People and --region EU in any case', async () => {
    const result = await importPeople('--type', 'People', '--json')
    expect(result.code, result.stderr).toBe(0)
    expect(parseJson(result.stdout).type).toBe('people')
    // --region only picks a host, and --endpoint overrides it: any case parses.
    const eu = await importPeople('--type', 'PEOPLE', '--region', 'EU', '--json')
    expect(eu.code, eu.stderr).toBe(0)
    const wrong = await importPeople('--type', 'persons')
    expect(wrong.code).toBe(2)
    expect(flat(wrong.stderr)).toMatch(/expected one of people, events \(any case\), got "persons"/)
  })

  it('takes the type from the mapping file when --type is not given, and says what is missing otherwise', async () => {
    const mapping = join(dir.path, 'mapping.json')
    writeFileSync(mapping, JSON.stringify({version: 1, type: 'people'}))
    const result = await importPeople('--mapping', mapping, '--json')
    expect(result.code, result.stderr).toBe(0)
    expect(parseJson(result.stdout)).toMatchObject({type: 'people', rows: {succeeded: 200}})

    const validate = await runCli(['validate', PEOPLE, '--mapping', mapping, '--rejects-file', join(dir.path, 'rej.csv'), '--json'], {cwd: dir.path})
    expect(validate.code, validate.stderr).toBe(0)

    const untyped = join(dir.path, 'untyped.json')
    writeFileSync(untyped, JSON.stringify({version: 1}))
    const missing = await importPeople('--mapping', untyped)
    expect(missing.code).toBe(2)
    expect(flat(missing.stderr)).toMatch(/Missing --type people\|events \(.*untyped\.json has no "type"\)/)
    const none = await importPeople()
    expect(none.code).toBe(2)
    expect(flat(none.stderr)).toMatch(/Missing --type people\|events: say what the rows are/)
  })

  it('finds runs by id in any case, and names the argument RUN_ID everywhere', async () => {
    const first = await importPeople('--type', 'people', '--json')
    const runId: string = parseJson(first.stdout).runId
    expect(runId).toBe(runId.toUpperCase())
    const show = await runCli(['runs', 'show', runId.toLowerCase(), '--state', state(), '--json'], {cwd: dir.path})
    expect(show.code, show.stderr).toBe(0)
    expect(parseJson(show.stdout).runId).toBe(runId)
    // resume finds the run too (and refuses it for what it is, not as unknown).
    const resume = await runCli(['resume', runId.toLowerCase(), ...targetArgs(emulator), '--state', state()], {cwd: dir.path})
    expect(resume.code).toBe(2)
    expect(flat(resume.stderr)).toContain(`run ${runId} is completed; there is nothing to resume`)

    for (const command of [['runs', 'show'], ['resume'], ['loadtest', 'cleanup']]) {
      const help = await runCli([...command, '--help'], {cwd: dir.path})
      expect(help.stdout, command.join(' ')).toMatch(/ARGUMENTS\n\s+\[?RUN_ID\]?\s/)
    }
  })

  it('--quiet leaves no banner or progress on stderr, only the summary on stdout', async () => {
    const loud = await importPeople('--type', 'people', '--emulator')
    expect(loud.stderr).toMatch(/^Run \w+: people ->/m)
    const quiet = await importPeople('--type', 'people', '--emulator', '--quiet')
    expect(quiet.code, quiet.stderr).toBe(0)
    expect(quiet.stderr).toBe('')
    expect(quiet.stdout).toMatch(/^Run \w+: completed/m)
  })
})
