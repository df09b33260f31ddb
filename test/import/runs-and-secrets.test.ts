import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {flat, parseJson, ROOT, runCli} from '../helpers/cli.js'
import {closeEmulatorAndDir, emulatorAndDir, type TempDir} from '../helpers/emulator.js'

const SECRET = 'sk-very-secret-key-0123456789'

describe('runs, runs show, and where the API key never goes', () => {
  let emulator: RunningEmulator
  let dir: TempDir
  beforeEach(async () => ({emulator, dir} = await emulatorAndDir({apiKey: SECRET})))
  afterEach(() => closeEmulatorAndDir(emulator, dir))

  it('lists runs with status and counts, shows one, and keeps the key out of the ledger, retry file and output', async () => {
    const state = join(dir.path, 'ledger.sqlite')
    const env = {CIO_SITE_ID: emulator.siteId, CIO_API_KEY: SECRET, CIO_TRACK_URL: emulator.url}
    const people = await runCli(['import', join(ROOT, 'fixtures/people.csv'), '--type', 'people', '--state', state, '--json'], {cwd: dir.path, env})
    expect(people.code, people.stderr).toBe(0)
    const bad = await runCli(['import', join(ROOT, 'fixtures/people-with-errors.csv'), '--type', 'people', '--state', state], {cwd: dir.path, env})
    expect(bad.code).toBe(1)

    const list = await runCli(['runs', '--state', state, '--json'], {cwd: dir.path})
    expect(list.code).toBe(0)
    const {runs} = parseJson(list.stdout)
    expect(runs).toHaveLength(2)
    expect(runs[0]).toMatchObject({status: 'completed_with_failures', type: 'people', rows: {succeeded: 2, failed: 0, invalid: 4}})
    expect(runs[1]).toMatchObject({runId: parseJson(people.stdout).runId, status: 'completed', rows: {succeeded: 200, failed: 0, invalid: 0}})

    const show = await runCli(['runs', 'show', runs[0].runId, '--state', state, '--json'], {cwd: dir.path})
    expect(show.code).toBe(0)
    const details = parseJson(show.stdout)
    expect(details).toMatchObject({target: {siteId: emulator.siteId, host: emulator.url}, config: {type: 'people', api: 'v2', rate: 80}})
    expect(details.files[0].retryFile).toMatch(/people-with-errors\.\w+\.retry\.csv$/)
    expect(details.failuresByRule.map((r: {rule: string}) => r.rule)).toContain('identifier_missing')

    const text = await runCli(['runs', 'show', runs[1].runId, '--state', state], {cwd: dir.path})
    expect(text.stdout).toMatch(/rows: 200 succeeded, 0 failed, 0 invalid/)
    expect(text.stdout).not.toMatch(/retry file/)

    // The key is in none of the files the tool wrote, nor in anything it printed.
    for (const name of readdirSync(dir.path)) {
      expect(readFileSync(join(dir.path, name)).includes(SECRET), name).toBe(false)
    }

    for (const output of [people, bad, list, show, text]) expect(output.stdout + output.stderr).not.toContain(SECRET)
  })

  it('says clearly when there is nothing to resume or no such run', async () => {
    const state = join(dir.path, 'ledger.sqlite')
    const none = await runCli(['resume', '--site-id', 's', '--api-key', 'k', '--state', state], {cwd: dir.path})
    expect(none.code).toBe(2)
    expect(flat(none.stderr)).toMatch(/no unfinished run in/)
    const missing = await runCli(['runs', 'show', '01ARZ3NDEKTSV4RRFFQ69G5FAV', '--state', state], {cwd: dir.path})
    expect(missing.code).toBe(2)
    expect(flat(missing.stderr)).toMatch(/no run 01ARZ3NDEKTSV4RRFFQ69G5FAV/)
  })
})
