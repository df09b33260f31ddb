import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {parseJson, ROOT, runCli, tempDir} from '../helpers/cli.js'
import {targetArgs, testEmulator} from '../helpers/emulator.js'

/** Fast retries so fault tests take seconds; what lands is the same as with real timings. */
const FAST = ['--retry-base-ms', '20', '--max-retries', '30']

function eventsFile(path: string, rows: number): void {
  const lines = []
  for (let i = 1; i <= rows; i++) lines.push(JSON.stringify({id: `p${i % 37}`, name: 'ping', timestamp: 1700000000 + i, data: {n: i}}))
  writeFileSync(path, lines.join('\n') + '\n')
}

describe('import under faults', () => {
  let emulator: RunningEmulator | undefined
  let dir: ReturnType<typeof tempDir>
  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(async () => {
    await emulator?.close()
    emulator = undefined
    dir.cleanup()
  })

  it('loses and duplicates nothing through 5xx, resets before and after applying, and stalls', async () => {
    emulator = await testEmulator({seed: 42, faults: {errorRate: 0.15, resetRate: 0.1, resetWhen: 'after', stallRate: 0.05, stallMs: 3000}})
    const input = join(dir.path, 'events.ndjson')
    eventsFile(input, 600)
    const result = await runCli(
      ['import', input, '--type', 'events', '--max-body-bytes', '4000', '--concurrency', '6', '--rate', '500', '--timeout', '1', ...FAST, ...targetArgs(emulator), '--state', join(dir.path, 'l.sqlite'), '--json'],
      {cwd: dir.path},
    )
    expect(result.code, result.stderr).toBe(0)
    const summary = parseJson(result.stdout)
    expect(summary.rows).toEqual({read: 600, succeeded: 600, failed: 0, invalid: 0})
    expect(summary.requests.retried).toBeGreaterThan(0)
    const ns = emulator.inspect.events().map((e) => e.data.n as number).sort((a, b) => a - b)
    expect(ns).toEqual(Array.from({length: 600}, (_, i) => i + 1))
  })

  it('resets before applying: every row lands once', async () => {
    emulator = await testEmulator({seed: 7, faults: {resetRate: 0.3, resetWhen: 'before'}})
    const input = join(dir.path, 'events.ndjson')
    eventsFile(input, 300)
    const result = await runCli(['import', input, '--type', 'events', '--max-body-bytes', '3000', '--rate', '500', ...FAST, ...targetArgs(emulator), '--state', join(dir.path, 'l.sqlite'), '--json'], {
      cwd: dir.path,
    })
    expect(result.code, result.stderr).toBe(0)
    expect(emulator.inspect.events()).toHaveLength(300)
  })

  it('slows down through 429 periods, honours Retry-After and loses nothing', async () => {
    emulator = await testEmulator({faults: {throttle: {periodMs: 2500, throttledMs: 700}}, rateLimit: {limit: 1000, windowMs: 1000, retryAfterSeconds: 1}})
    const input = join(dir.path, 'events.ndjson')
    eventsFile(input, 200)
    const result = await runCli(['import', input, '--type', 'events', '--api', 'v1', '--rate', '100', '--concurrency', '5', ...FAST, ...targetArgs(emulator), '--state', join(dir.path, 'l.sqlite'), '--json'], {
      cwd: dir.path,
    })
    expect(result.code, result.stderr).toBe(0)
    const summary = parseJson(result.stdout)
    expect(summary.requests.throttled).toBeGreaterThan(0)
    expect(summary.requests.sent).toBe(200 + summary.requests.throttled)
    expect(emulator.inspect.events()).toHaveLength(200)
    // Correctness only: how fast it recovers is bench/throttle-recovery.js's figure, not a timed assertion.
  }, 120_000)

  it('keeps each person\'s rows in file order across concurrent batches and retries: the last row wins', async () => {
    emulator = await testEmulator({seed: 3, faults: {errorRate: 0.3, latencyMs: 5, latencyJitterMs: 20}})
    const input = join(dir.path, 'people.csv')
    const lines = ['id,version,filler']
    for (let v = 1; v <= 40; v++) for (let p = 1; p <= 10; p++) lines.push(`person-${p},${v},${'x'.repeat(40)}`)
    writeFileSync(input, lines.join('\n') + '\n')
    const result = await runCli(
      ['import', input, '--type', 'people', '--max-body-bytes', '1500', '--concurrency', '8', '--rate', '1000', ...FAST, ...targetArgs(emulator), '--state', join(dir.path, 'l.sqlite'), '--json'],
      {cwd: dir.path},
    )
    expect(result.code, result.stderr).toBe(0)
    expect(parseJson(result.stdout).requests.sent).toBeGreaterThan(40)
    for (let p = 1; p <= 10; p++) expect(emulator.inspect.person(`person-${p}`)!.attributes.version).toBe('40')
  })

  it('paces v1 requests: no sliding second holds more than --rate request starts', async () => {
    emulator = await testEmulator()
    const input = join(dir.path, 'events.ndjson')
    eventsFile(input, 90)
    const started = Date.now()
    const result = await runCli(['import', input, '--type', 'events', '--api', 'v1', '--rate', '20', '--concurrency', '10', ...targetArgs(emulator), '--state', join(dir.path, 'l.sqlite'), '--json'], {
      cwd: dir.path,
    })
    expect(result.code, result.stderr).toBe(0)
    const {maxRequestsInSlidingSecond} = emulator.inspect.stats()
    expect(maxRequestsInSlidingSecond).toBeLessThanOrEqual(20)
    // And it really goes at about that pace, not far below it.
    expect(maxRequestsInSlidingSecond).toBeGreaterThanOrEqual(17)
    expect(Date.now() - started).toBeGreaterThan(3500)
  })

  it('stops a wrong key with exit 3 before the run exists (the target check), and the right key then imports', async () => {
    emulator = await testEmulator()
    const state = join(dir.path, 'l.sqlite')
    const started = Date.now()
    const bad = await runCli(
      ['import', join(ROOT, 'fixtures/people.csv'), '--type', 'people', '--endpoint', emulator.url, '--site-id', emulator.siteId, '--api-key', 'wrong-key', '--state', state, '--json'],
      {cwd: dir.path},
    )
    expect(bad.code, bad.stderr).toBe(3)
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(bad.stdout + bad.stderr).toContain('rejected the site id / API key (HTTP 401); nothing was sent.')
    expect(bad.stdout + bad.stderr).not.toContain('wrong-key')
    expect(emulator.inspect.stats().requests.total).toBe(1)
    expect(parseJson((await runCli(['runs', '--state', state, '--json'], {cwd: dir.path})).stdout).runs).toEqual([])

    const good = await runCli(['import', join(ROOT, 'fixtures/people.csv'), '--type', 'people', ...targetArgs(emulator), '--state', state, '--json'], {cwd: dir.path})
    expect(good.code, good.stderr).toBe(0)
    expect(parseJson(good.stdout).rows.succeeded).toBe(200)
    expect(emulator.inspect.stats().peopleCount).toBe(200)
  })

  it('exits 5 when 5xx outlast the retry budget, and the run resumes once the server is healthy', async () => {
    emulator = await testEmulator({faults: {forceStatus: 503}})
    const state = join(dir.path, 'l.sqlite')
    const input = join(dir.path, 'events.ndjson')
    eventsFile(input, 50)
    const first = await runCli(['import', input, '--type', 'events', '--retry-base-ms', '5', '--max-retries', '2', ...targetArgs(emulator), '--state', state, '--json'], {cwd: dir.path})
    expect(first.code, first.stderr).toBe(5)
    const summary = parseJson(first.stdout)
    expect(summary.status).toBe('retries_exhausted')
    expect(summary.resumeCommand).toContain(`resume ${summary.runId}`)
    emulator.setFaults({})
    const second = await runCli(['resume', ...targetArgs(emulator).slice(2), '--state', state, '--json'], {cwd: dir.path})
    expect(second.code, second.stderr).toBe(0)
    expect(emulator.inspect.events()).toHaveLength(50)
  })
})
