import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {collect, flat, parseJson, runCli, spawnCli, tempDir, waitForOutput} from '../helpers/cli.js'
import {targetArgs, testEmulator, type TempDir} from '../helpers/emulator.js'
import {startRedis, type TestRedis} from '../helpers/redis.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function eventsFile(path: string, rows: number): void {
  const lines = []
  for (let i = 1; i <= rows; i++) lines.push(JSON.stringify({id: `p${i % 50}`, name: 'tick', timestamp: 1700000000 + i, data: {n: i}}))
  writeFileSync(path, lines.join('\n') + '\n')
}

function expectEachRowOnce(emulator: RunningEmulator, rows: number): void {
  const ns = emulator.inspect.events().map((e) => e.data.n as number).sort((a, b) => a - b)
  expect(ns).toEqual(Array.from({length: rows}, (_, i) => i + 1))
}

describe('--shard runs and stopping during a pause', () => {
  let redis: TestRedis
  let emulator: RunningEmulator
  let dir: TempDir
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await redis?.stop()
  })
  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(async () => {
    await emulator?.close()
    dir.cleanup()
  })

  it('kill -9 of one shard while the other runs, then its resume: nothing lost or doubled; own default ledger; runs shows the shard; another shard is refused', async () => {
    emulator = await testEmulator({faults: {latencyMs: 30}})
    const input = join(dir.path, 'events.ndjson')
    eventsFile(input, 1500)
    // Default state files (no --state): each shard its own, under the data dir.
    const env = {XDG_DATA_HOME: dir.path}
    const slow = ['--max-body-bytes', '2400', '--rate', '20', '--concurrency', '4', '--budget', redis.url]
    const shardArgs = (i: number) => ['import', input, '--type', 'events', ...slow, '--shard', `${i}/2`, ...targetArgs(emulator), '--json']
    const victim = spawnCli(shardArgs(0), {cwd: dir.path, env})
    const victimDone = collect(victim)
    const other = collect(spawnCli(shardArgs(1), {cwd: dir.path, env}))
    await waitForOutput(victim, /Run \w{26}:/)
    await sleep(2000)
    victim.kill('SIGKILL')
    const killed = await victimDone
    expect(killed.signal).toBe('SIGKILL')
    const runId = /Run (\w{26})/.exec(killed.stderr)![1]
    expect(killed.stderr).toContain('shard 0/2')

    // The survivor was not blocked by anything the killed process held.
    const survivor = await other
    expect(survivor.code, survivor.stderr).toBe(0)
    const survivorSummary = parseJson(survivor.stdout)
    expect(survivorSummary.shard).toEqual({index: 1, count: 2})

    const ledgerOf = (i: number) => join(dir.path, 'cio-backfill', `ledger.shard-${i}-of-2.sqlite`)
    expect(existsSync(ledgerOf(0))).toBe(true)
    expect(existsSync(ledgerOf(1))).toBe(true)

    const listed = await runCli(['runs', '--shard', '0/2', '--json'], {cwd: dir.path, env})
    expect(parseJson(listed.stdout).runs[0]).toMatchObject({runId, shard: '0/2'})

    const wrong = await runCli(['resume', runId, '--state', ledgerOf(0), '--shard', '1/2', ...targetArgs(emulator).slice(2), '--force'], {cwd: dir.path, env})
    expect(wrong.code).toBe(2)
    expect(flat(wrong.stderr)).toContain(`refusing to resume run ${runId} as shard 1/2: it sends shard 0/2`)

    const resumed = await runCli(['resume', '--shard', '0/2', '--budget', redis.url, ...targetArgs(emulator).slice(2), '--rate', '200', '--json'], {cwd: dir.path, env})
    expect(resumed.code, resumed.stderr).toBe(0)
    const summary = parseJson(resumed.stdout)
    expect(summary.runId).toBe(runId)
    expect(summary.rows.succeeded + survivorSummary.rows.succeeded).toBe(1500)
    expectEachRowOnce(emulator, 1500)
  }, 120_000)

  it('Ctrl-C during a long Retry-After pause exits at once (nothing in flight), resumable', async () => {
    emulator = await testEmulator({rateLimit: {limit: 2, windowMs: 1000, retryAfterSeconds: 30}})
    const input = join(dir.path, 'events.ndjson')
    eventsFile(input, 40)
    const state = join(dir.path, 'ledger.sqlite')
    const child = spawnCli(['import', input, '--type', 'events', '--api', 'v1', '--rate', '50', ...targetArgs(emulator), '--state', state, '--json'], {cwd: dir.path})
    const done = collect(child)
    const deadline = Date.now() + 30_000
    while (!emulator.inspect.stats().requests.byStatus[429] && Date.now() < deadline) await sleep(50)
    expect(emulator.inspect.stats().requests.byStatus[429]).toBeGreaterThan(0)
    // Let the answers in flight come back: now every lane waits out the 30 s pause.
    await sleep(500)
    const signalled = Date.now()
    child.kill('SIGINT')
    const result = await done
    expect(result.code, result.stderr).toBe(4)
    expect(Date.now() - signalled).toBeLessThan(5000)
    const stopped = parseJson(result.stdout)
    expect(stopped.status).toBe('interrupted')
  }, 60_000)

  it('--shard is checked: I must be below N', async () => {
    emulator = await testEmulator()
    const input = join(dir.path, 'events.ndjson')
    eventsFile(input, 3)
    const result = await runCli(['import', input, '--type', 'events', '--shard', '2/2', ...targetArgs(emulator), '--state', join(dir.path, 'l.sqlite')], {cwd: dir.path})
    expect(result.code).toBe(2)
    expect(flat(result.stderr)).toContain('--shard 2/2: I counts from 0, so it must be below N (2)')
  }, 30_000)
})
