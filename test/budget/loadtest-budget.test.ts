import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {Redis} from 'ioredis'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import type {LoadTestSummary} from '../../src/loadtest/summary.js'
import {createLocalBudget} from '../../src/sending/local-budget.js'
import {START_WINDOW} from '../../src/sending/start-window.js'
import {connectRedisBudget} from '../../src/sending/redis-budget.js'
import {collect, parseJson, runCli, spawnCli, tempDir} from '../helpers/cli.js'
import {targetArgs, testEmulator, type TempDir} from '../helpers/emulator.js'
import {startRedis, type TestRedis} from '../helpers/redis.js'

describe('tryAcquire: a permit now or a refusal, never a wait', () => {
  let redis: TestRedis
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await redis?.stop()
  })

  it('Redis: grants up to the rate, then refuses without reserving anything; a 429 pause refuses too', async () => {
    const key = `try-${Date.now()}`
    const budget = await connectRedisBudget({url: redis.url, key, rate: 5})
    const client = new Redis(redis.url)
    try {
      const answers = []
      for (let i = 0; i < 8; i++) answers.push(await budget.tryAcquire())
      expect(answers).toEqual([true, true, true, true, true, false, false, false])
      // Refusals left no trace in the shared log: only the five starts are there.
      expect(await client.zcard(`${key}:starts`)).toBe(5)

      const other = await connectRedisBudget({url: redis.url, key: `${key}-b`, rate: 100})
      try {
        expect(await other.tryAcquire()).toBe(true)
        other.throttled(2000)
        await other.close() // close() waits for the 429 note to reach Redis
      } finally {
        await other.close()
      }

      const again = await connectRedisBudget({url: redis.url, key: `${key}-b`, rate: 100})
      try {
        // Another process of the same budget sees the pause: refused while it lasts.
        expect(await again.tryAcquire()).toBe(false)
      } finally {
        await again.close()
      }
    } finally {
      client.disconnect()
      await budget.close()
    }
  })

  it('Redis unreachable: refused, with the reason, and never thrown', async () => {
    const budget = await connectRedisBudget({url: redis.url, key: `gone-${Date.now()}`, rate: 5, outageLimitMs: 1})
    try {
      await redis.kill()
      await new Promise((r) => setTimeout(r, 50))
      expect(await budget.tryAcquire()).toBe(false)
      expect(budget.holdReason).toMatch(/Redis unreachable/)
    } finally {
      await budget.close()
      await redis.restart()
    }
  })

  it('in-process: the same answers on its own clock', async () => {
    let t = 0
    const budget = createLocalBudget(3, () => t)
    expect([await budget.tryAcquire(), await budget.tryAcquire(), await budget.tryAcquire(), await budget.tryAcquire()]).toEqual([true, true, true, false])
    // An unanswered start keeps its slot for one second plus the largest margin (see StartWindow).
    t = 1000 + START_WINDOW.marginMs + START_WINDOW.maxExtraMs + 1
    expect(await budget.tryAcquire()).toBe(true)
    budget.throttled(500)
    expect(await budget.tryAcquire()).toBe(false)
  })
})

describe('loadtest --budget beside an import on one budget', () => {
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

  it('together they never exceed --rate at the server; the load test drops what the budget refuses and says so', async () => {
    const rate = 30
    // The server allows exactly the budget: one start too many in any second would be a 429.
    emulator = await testEmulator({rateLimit: {limit: rate, windowMs: 1000}})
    const input = join(dir.path, 'people.ndjson')
    const rows = 150
    writeFileSync(input, Array.from({length: rows}, (_, i) => JSON.stringify({id: `imp${i}`, plan: 'pro'})).join('\n') + '\n')
    const importRun = collect(
      spawnCli(
        ['import', input, '--type', 'people', '--api', 'v1', '--rate', String(rate), '--budget', redis.url,
          ...targetArgs(emulator), '--state', join(dir.path, 'ledger.sqlite'), '--json', '--quiet'],
        {cwd: dir.path},
      ),
    )
    // 20 arrivals/s for 4 s, on a budget the import is already filling at 30/s.
    const loadRun = runCli(
      ['loadtest', ...targetArgs(emulator), '--state-dir', dir.path, '--quiet', '--stages', '4s:20', '--start-rate', '20',
        '--no-thresholds', '--budget', redis.url, '--rate', String(rate), '--json'],
    )
    const [imported, loaded] = await Promise.all([importRun, loadRun])
    expect(imported.code, imported.stderr).toBe(0)
    expect(loaded.code, loaded.stderr).toBe(0)
    const summary = parseJson<LoadTestSummary>(loaded.stdout)
    expect(parseJson(imported.stdout).rows.succeeded).toBe(rows)

    const ops = summary.operations
    // Open model: every planned arrival either started or was dropped, none waited.
    expect(ops.sent + ops.dropped).toBe(ops.planned)
    expect(ops.droppedByBudget).toBeGreaterThan(0)
    expect(ops.dropped).toBe(ops.droppedByBudget)
    expect(ops.sent).toBeGreaterThan(0)
    expect(summary.scenario.budget).toEqual({key: expect.any(String), rate})
    expect(summary.thresholds).toEqual([])
    // The refusal is explained once (--json carries the warnings), and the key never carries the URL.
    const warnings = (summary as unknown as {warnings: Array<{message: string}>}).warnings.map((w) => w.message)
    expect(warnings.filter((m) => /refused an arrival .*counted as "budget"/.test(m))).toHaveLength(1)
    expect(summary.scenario.budget!.key).not.toContain('redis://')

    const stats = emulator.inspect.stats()
    expect(stats.requests.byStatus[429] ?? 0).toBe(0)
    expect(stats.maxRequestsInSlidingSecond).toBeLessThanOrEqual(rate)
    // Every start the server saw: the import's rows and target check, the load test's sends and preflight.
    expect(stats.requests.total).toBe(rows + 1 + ops.sent + 1)
  }, 120_000)

  it('an unreachable --budget is exit 2 naming the URL without its password; --rate needs --budget', async () => {
    emulator = await testEmulator()
    const gone = await runCli(['loadtest', ...targetArgs(emulator), '--state-dir', dir.path, '--quiet', '--stages', '1s:5',
      '--budget', 'redis://user:s3cret@127.0.0.1:1', '--json'])
    expect(gone.code).toBe(2)
    expect(gone.stdout + gone.stderr).toContain('127.0.0.1:1')
    expect(gone.stdout + gone.stderr).not.toContain('s3cret')
    expect(emulator.inspect.stats().requests.total).toBe(0)

    const alone = await runCli(['loadtest', ...targetArgs(emulator), '--state-dir', dir.path, '--quiet', '--stages', '1s:5', '--rate', '10'])
    expect(alone.code).toBe(2)
    expect(alone.stderr).toMatch(/--budget/)
  }, 60_000)
})
