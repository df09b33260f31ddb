import {createServer, type Server} from 'node:http'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {flat, parseJson, ROOT, runCli} from '../helpers/cli.js'
import {closeEmulatorAndDir, emulatorAndDir, targetArgs, type TempDir} from '../helpers/emulator.js'

let emulator: RunningEmulator
let dir: TempDir
let proxy: Server | undefined
beforeEach(async () => ({emulator, dir} = await emulatorAndDir()))
afterEach(async () => {
  if (proxy) await new Promise<void>((resolve) => proxy!.close(() => resolve()))
  proxy = undefined
  await closeEmulatorAndDir(emulator, dir)
})

const PEOPLE = join(ROOT, 'fixtures/people.csv')

/** A host that passes the target check but is no place to send rows: every batch gets 404. */
async function wrongHost(): Promise<string> {
  proxy = createServer((req, res) => {
    const region = req.url === '/api/v1/accounts/region'
    res.writeHead(region ? 200 : 404, {'content-type': 'application/json'})
    res.end(region ? JSON.stringify({url: 'x', region: 'us', environment_id: 1}) : JSON.stringify({meta: {error: 'Not Found'}}))
  })
  await new Promise<void>((resolve) => proxy!.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(proxy.address() as {port: number}).port}`
}

describe('resume after a configuration mistake, and which run resume picks', () => {
  it('a run whose first batch got a 404 resumes with the corrected --endpoint, without --force', async () => {
    const state = join(dir.path, 'l.sqlite')
    const host = await wrongHost()
    const first = await runCli(['import', PEOPLE, '--type', 'people', '--endpoint', host, '--site-id', emulator.siteId, '--api-key', emulator.apiKey, '--state', state, '--json'], {
      cwd: dir.path,
    })
    expect(first.code, first.stderr).toBe(2)
    const summary = parseJson(first.stdout)
    expect(summary.rows.succeeded + summary.rows.failed).toBe(0)
    expect(flat(first.stderr)).toContain(`Nothing was acknowledged, so the run may go to a corrected target: cio-backfill resume ${summary.runId}`)

    const resumed = await runCli(['resume', summary.runId, ...targetArgs(emulator), '--state', state, '--json'], {cwd: dir.path})
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.stderr).toContain(`Nothing of run ${summary.runId} was acknowledged yet: it now goes to ${emulator.url}`)
    expect(parseJson(resumed.stdout).target.host).toBe(emulator.url)
    expect(emulator.inspect.stats().peopleCount).toBe(200)
  })

  it('says which run it picked, refuses one a later run of the same file superseded, and import offers the resume', async () => {
    const state = join(dir.path, 'l.sqlite')
    const failing = await emulatorAndDir({faults: {forceStatus: 503}})
    try {
      const args = ['import', PEOPLE, '--type', 'people', '--retry-base-ms', '5', '--max-retries', '0', '--state', state]
      const stopped = await runCli([...args, ...targetArgs(failing.emulator), '--json'], {cwd: dir.path})
      expect(stopped.code, stopped.stderr).toBe(5)
      const runId = parseJson(stopped.stdout).runId

      // Same file, same target again: it says the earlier run can be resumed instead.
      failing.emulator.setFaults({})
      const again = await runCli([...args, ...targetArgs(failing.emulator)], {cwd: dir.path})
      expect(again.code, again.stderr).toBe(0)
      expect(flat(again.stderr)).toContain(`note: run ${runId} of ${PEOPLE} into ${failing.emulator.url} is unfinished (retries_exhausted, started`)
      expect(flat(again.stderr)).toContain(`to continue that run instead: cio-backfill resume ${runId} --state "${state}"`)

      const picked = await runCli(['resume', ...targetArgs(failing.emulator), '--state', state], {cwd: dir.path})
      expect(picked.code).toBe(2)
      expect(flat(picked.stderr)).toContain(`the most recent unfinished run ${runId} (${PEOPLE} -> ${failing.emulator.url}) was superseded by run`)
      expect(flat(picked.stderr)).toContain(`To resume it anyway, name it: cio-backfill resume ${runId}`)
    } finally {
      await closeEmulatorAndDir(failing.emulator, failing.dir)
    }
  })

  it('names the run it picked: file, target and age', async () => {
    const state = join(dir.path, 'l.sqlite')
    emulator.setFaults({forceStatus: 503})
    const stopped = await runCli(['import', PEOPLE, '--type', 'people', '--retry-base-ms', '5', '--max-retries', '0', ...targetArgs(emulator), '--state', state, '--json'], {
      cwd: dir.path,
    })
    expect(stopped.code, stopped.stderr).toBe(5)
    emulator.setFaults({})
    const resumed = await runCli(['resume', ...targetArgs(emulator), '--state', state], {cwd: dir.path})
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.stderr).toMatch(
      new RegExp(`Resuming run ${parseJson(stopped.stdout).runId} \\(retries_exhausted\\): people from ${PEOPLE.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} -> ${emulator.url.replace(/[.]/g, '\\.')} \\(site ${emulator.siteId}\\), started \\S+ ?\\w* ago`),
    )
    expect(emulator.inspect.stats().peopleCount).toBe(200)
  })
})
