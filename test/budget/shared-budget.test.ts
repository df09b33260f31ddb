import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {collect, parseJson, spawnCli, tempDir, waitForOutput} from '../helpers/cli.js'
import {targetArgs, testEmulator, type TempDir} from '../helpers/emulator.js'
import {startRedis, type TestRedis} from '../helpers/redis.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** `people` people, each appearing `versions` times in a row order that interleaves them; the last row of each says version N. */
function versionsFile(path: string, people: number, versions: number): number {
  const lines = []
  for (let v = 1; v <= versions; v++) for (let p = 0; p < people; p++) lines.push(JSON.stringify({id: `p${p}`, version: v, name: `name ${p} v${v}`}))
  writeFileSync(path, lines.join('\n') + '\n')
  return lines.length
}

describe('one rate budget shared through Redis by shard processes', () => {
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

  const shardRun = (input: string, shard: string, rate: number, extra: string[] = []) =>
    spawnCli(
      ['import', input, '--type', 'people', '--api', 'v1', '--rate', String(rate), '--shard', shard, '--budget', redis.url,
        ...targetArgs(emulator), '--state', join(dir.path, `ledger-${shard.replace('/', '-')}.sqlite`), '--json', ...extra],
      {cwd: dir.path},
    )

  // How much of the budget they reach together is a speed figure: bench/shards.js measures it (target >= 90%).
  it('3 shards never exceed the budget, split the file exactly and end with every last version', async () => {
    const rate = 30
    // The server allows exactly the budget: one start too many in any second would be a 429.
    emulator = await testEmulator({rateLimit: {limit: rate, windowMs: 1000}})
    const input = join(dir.path, 'people.ndjson')
    const rows = versionsFile(input, 120, 3)
    const results = await Promise.all(['0/3', '1/3', '2/3'].map((s) => collect(shardRun(input, s, rate))))
    for (const r of results) expect(r.code, r.stderr).toBe(0)
    const summaries = results.map((r) => parseJson(r.stdout))

    // Each shard read every row and sent only its own: no row in two shards, none in none.
    for (const s of summaries) expect(s.rows.succeeded + s.otherShards).toBe(rows)
    expect(summaries.reduce((n, s) => n + s.rows.succeeded, 0)).toBe(rows)
    expect(summaries.every((s) => s.rows.succeeded > 0)).toBe(true)
    const stats = emulator.inspect.stats()
    // Every row, plus each shard's target check (one region call, taken from the budget like a batch).
    expect(stats.requests.byStatus).toEqual({200: rows + 3})
    // Three processes at --rate 30 each, unshared, would put up to 90 into a second.
    expect(stats.maxRequestsInSlidingSecond).toBeLessThanOrEqual(rate)

    // All rows of a person went through one process, in file order: the last version won everywhere.
    expect(stats.peopleCount).toBe(120)
    for (const person of emulator.inspect.people()) expect(person.attributes.version, person.id).toBe(3)
  }, 120_000)

  it('a 429 seen by one shard pauses and slows the others', async () => {
    // Shard 0 sends to a server that throttles hard (Retry-After 3 s); shard 1 to one that never does.
    // They share one budget by name: shard 1 must stop for the pause shard 0 was told about.
    emulator = await testEmulator({rateLimit: {limit: 3, windowMs: 1000, retryAfterSeconds: 3}})
    const open = await testEmulator()
    try {
      const input = join(dir.path, 'people.ndjson')
      versionsFile(input, 60, 1)
      const key = ['--budget-key', `test-${Date.now()}`]
      const throttled = shardRun(input, '0/2', 20, key)
      const other = spawnCli(
        ['import', input, '--type', 'people', '--api', 'v1', '--rate', '20', '--shard', '1/2', '--budget', redis.url, ...key,
          ...targetArgs(open), '--state', join(dir.path, 'other.sqlite'), '--json'],
        {cwd: dir.path},
      )
      const [a, b] = await Promise.all([collect(throttled), collect(other)])
      expect(a.code, a.stderr).toBe(0)
      expect(b.code, b.stderr).toBe(0)
      expect(emulator.inspect.stats().requests.byStatus[429]).toBeGreaterThan(0)
      expect(parseJson(b.stdout).rows.succeeded).toBeGreaterThan(0)

      const times = open.inspect.requestTimes().sort((x, y) => x - y)
      const gaps = times.slice(1).map((t, i) => t - times[i])
      // 20/s alone means a start every 50 ms; the shared Retry-After stopped it for about 3 s.
      expect(Math.max(...gaps)).toBeGreaterThanOrEqual(2500)
    } finally {
      await open.close()
    }
  }, 120_000)

  it('Redis unreachable at start: exit 2 naming the URL without its password; nothing recorded', async () => {
    emulator = await testEmulator()
    const input = join(dir.path, 'people.ndjson')
    versionsFile(input, 5, 1)
    const port = (await import('../helpers/redis.js').then((m) => m.freePort()))
    const child = spawnCli(['import', input, '--type', 'people', '--budget', `redis://user:s3cret-pw@127.0.0.1:${port}`, ...targetArgs(emulator),
      '--state', join(dir.path, 'ledger.sqlite')], {cwd: dir.path})
    const result = await collect(child)
    expect(result.code, result.stderr).toBe(2)
    expect(result.stderr).toContain(`redis://***@127.0.0.1:${port}`)
    expect(result.stderr + result.stdout).not.toContain('s3cret-pw')
    expect(result.stderr).not.toMatch(/\n\s+at /)
    expect(emulator.inspect.stats().requests.total).toBe(0)
  }, 60_000)

  it('Redis killed and restarted mid-run: sending pauses (and says so), never bursts over the budget, and nothing is lost', async () => {
    const rate = 20
    emulator = await testEmulator({rateLimit: {limit: rate, windowMs: 1000}})
    const input = join(dir.path, 'people.ndjson')
    const rows = versionsFile(input, 200, 1)
    const child = shardRun(input, '0/1', rate)
    const done = collect(child)
    await waitForOutput(child, /Run \w{26}:/)
    await sleep(2000)
    await redis.kill()
    const killedAt = Date.now()
    await sleep(3000)
    await redis.restart()
    const restartedAt = Date.now()
    const result = await done
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toContain(`budget paused: Redis unreachable at ${redis.url}`)
    expect(result.stderr).toContain('budget reachable again; sending continues')
    expect(parseJson(result.stdout).rows).toMatchObject({read: rows, succeeded: rows})
    const stats = emulator.inspect.stats()
    // Every row, plus the target check before the first batch.
    expect(stats.requests.byStatus).toEqual({200: rows + 1})
    expect(stats.maxRequestsInSlidingSecond).toBeLessThanOrEqual(rate)
    // Nothing went out unpaced while Redis was away (a request already granted may land just after).
    const during = emulator.inspect.requestTimes().filter((t) => t > killedAt + 500 && t < restartedAt - 100)
    expect(during).toEqual([])
  }, 120_000)

  it('Redis away past --budget-outage-limit: stops resumably (exit 5); resume completes once it is back, every row once', async () => {
    emulator = await testEmulator()
    const input = join(dir.path, 'people.ndjson')
    const rows = versionsFile(input, 300, 1)
    const child = shardRun(input, '0/1', 20, ['--budget-outage-limit', '2'])
    const done = collect(child)
    await waitForOutput(child, /Run \w{26}:/)
    await sleep(1500)
    await redis.kill()
    const result = await done
    await redis.restart()
    expect(result.code, result.stderr).toBe(5)
    const stopped = parseJson(result.stdout)
    expect(stopped.error).toContain('unreachable')
    expect(stopped.rows.succeeded).toBeLessThan(rows)

    const resumed = await collect(
      spawnCli(['resume', stopped.runId, '--budget', redis.url, ...targetArgs(emulator).slice(2), '--state', join(dir.path, 'ledger-0-1.sqlite'),
        '--rate', '200', '--json'], {cwd: dir.path}),
    )
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(parseJson(resumed.stdout).rows).toMatchObject({read: rows, succeeded: rows})
    expect(emulator.inspect.stats().peopleCount).toBe(300)
  }, 120_000)
})
