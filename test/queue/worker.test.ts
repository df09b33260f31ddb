import {Queue} from 'bullmq'
import {Redis} from 'ioredis'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {collect, parseJson, runCli, spawnCli, tempDir} from '../helpers/cli.js'
import {targetArgs, testEmulator} from '../helpers/emulator.js'
import {startRedis, type TestRedis} from '../helpers/redis.js'

/** `people` identifies and as many events (one per person), interleaved, as one NDJSON file. */
function writeOperations(dir: string, people: number): {peopleFile: string; eventsFile: string} {
  const peopleLines: string[] = []
  const eventLines: string[] = []
  for (let i = 1; i <= people; i++) {
    peopleLines.push(JSON.stringify({id: `p${i}`, email: `p${i}@example.com`, n: i}))
    eventLines.push(JSON.stringify({id: `p${i}`, name: 'ordered', timestamp: 1_700_000_000 + i, data: {n: i}}))
  }

  const peopleFile = join(dir, 'people.ndjson')
  const eventsFile = join(dir, 'events.ndjson')
  writeFileSync(peopleFile, `${peopleLines.join('\n')}\n`)
  writeFileSync(eventsFile, `${eventLines.join('\n')}\n`)
  return {peopleFile, eventsFile}
}

async function enqueue(redis: TestRedis, queue: string, file: string, type: 'people' | 'events', cwd: string): Promise<void> {
  const result = await runCli(['enqueue', file, '--type', type, '--redis', redis.url, '--queue', queue], {cwd})
  expect(result.code, result.stderr).toBe(0)
}

/** Fast stalled-job recovery so a killed worker's jobs come back within seconds. */
const FAST_RECOVERY = ['--lock-duration-ms', '2000', '--stalled-interval-ms', '1000']

function workerArgs(redis: TestRedis, queue: string, emulator: RunningEmulator, extra: string[] = [], rate = 1000): string[] {
  return ['worker', '--redis', redis.url, '--queue', queue, ...targetArgs(emulator), '--rate', String(rate), '--concurrency', '4', ...extra]
}

async function counts(connection: Redis, name: string) {
  const queue = new Queue(name, {connection})
  try {
    return await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed')
  } finally {
    await queue.close()
  }
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('worker', () => {
  let redis: TestRedis
  let emulator: RunningEmulator
  let dir: ReturnType<typeof tempDir>
  let connection: Redis

  beforeEach(async () => {
    redis = await startRedis({persist: true})
    emulator = await testEmulator()
    dir = tempDir()
    connection = new Redis(redis.url, {maxRetriesPerRequest: null})
    connection.on('error', () => {})
  })

  afterEach(async () => {
    connection?.disconnect()
    await emulator?.close()
    await redis?.stop()
    dir?.cleanup()
  })

  it('20k operations, two workers, one killed with -9 mid-run and restarted: all land once, queue empty, a 207 rejection fails its job with the reason', async () => {
    const people = 10_000
    const {peopleFile, eventsFile} = writeOperations(dir.path, people)
    await enqueue(redis, 'big', peopleFile, 'people', dir.path)
    await enqueue(redis, 'big', eventsFile, 'events', dir.path)
    // An entry our rules never produce, as an outdated producer might: Customer.io rejects it in a 207.
    const queue = new Queue('big', {connection})
    await queue.add('identify', {entry: JSON.stringify({type: 'person', action: 'identify', identifiers: {id: 'bad'}, attributes: ['not', 'an', 'object']}), key: 'id:bad'}, {jobId: 'bad-one', attempts: 3})
    await queue.close()

    // Slow responses keep batches in flight, so the kill lands mid-batch.
    emulator.setFaults({latencyMs: 60})
    const args = workerArgs(redis, 'big', emulator, FAST_RECOVERY)
    const first = spawnCli(args)
    const second = spawnCli(args)
    const secondDone = collect(second)
    await until(() => emulator.inspect.stats().entriesApplied > 2000, 60_000, 'the first deliveries')
    first.kill('SIGKILL')
    const restarted = spawnCli(args)
    const restartedDone = collect(restarted)
    await until(async () => {
      const c = await counts(connection, 'big')
      return c.waiting + c.active + c.delayed + c.prioritized === 0
    }, 120_000, 'the queue to empty')

    second.kill('SIGTERM')
    restarted.kill('SIGTERM')
    const [a, b] = await Promise.all([secondDone, restartedDone])
    expect(a.code, a.stderr).toBe(0)
    expect(b.code, b.stderr).toBe(0)

    const stats = emulator.inspect.stats()
    expect(stats.peopleCount).toBe(people)
    const events = emulator.inspect.events()
    expect(events).toHaveLength(people)
    expect(new Set(events.map((e) => e.id)).size).toBe(people)
    const c = await counts(connection, 'big')
    expect(c.failed).toBe(1)
    const failed = await new Queue('big', {connection}).getJob('bad-one')
    expect(failed!.failedReason).toMatch(/^rejected by Customer\.io: attributes must be a JSON object/)
    expect(failed!.attemptsMade).toBe(1)
  }, 300_000)

  it('401: exits 3, and every job is still in the queue', async () => {
    const {peopleFile} = writeOperations(dir.path, 300)
    await enqueue(redis, 'auth', peopleFile, 'people', dir.path)
    const result = await runCli(['worker', '--redis', redis.url, '--queue', 'auth', '--endpoint', emulator.url, '--site-id', emulator.siteId, '--api-key', 'wrong-key', '--json'])
    expect(result.code, result.stderr).toBe(3)
    expect(parseJson(result.stdout)).toMatchObject({status: 'auth_rejected', completed: 0, failed: 0})
    expect(result.stderr + result.stdout).not.toContain('wrong-key')
    const c = await counts(connection, 'auth')
    expect(c).toMatchObject({waiting: 300, active: 0, completed: 0, failed: 0})
    expect(emulator.inspect.stats().peopleCount).toBe(0)
  }, 60_000)

  it('SIGTERM: stops taking jobs, finishes the batches in flight, puts the rest back, exits 0', async () => {
    const {peopleFile} = writeOperations(dir.path, 3000)
    await enqueue(redis, 'term', peopleFile, 'people', dir.path)
    emulator.setFaults({latencyMs: 400})
    const worker = spawnCli([...workerArgs(redis, 'term', emulator, [], 5), '--max-body-bytes', '5000', '--json'])
    const done = collect(worker)
    await until(() => emulator.inspect.stats().requests.total >= 3, 30_000, 'some requests')
    worker.kill('SIGTERM')
    const result = await done
    expect(result.code, result.stderr).toBe(0)
    const summary = parseJson(result.stdout)
    expect(summary.status).toBe('completed')
    const c = await counts(connection, 'term')
    expect(c.active).toBe(0)
    expect(c.completed).toBe(summary.completed)
    expect(c.completed + c.waiting).toBe(3000)
    expect(c.waiting).toBeGreaterThan(0)
    // Everything completed has landed, and nothing else did.
    expect(emulator.inspect.stats().peopleCount).toBe(summary.completed)
  }, 60_000)

  it('Redis restarted mid-run: the worker reconnects and every operation lands', async () => {
    const {peopleFile} = writeOperations(dir.path, 4000)
    await enqueue(redis, 'restart', peopleFile, 'people', dir.path)
    emulator.setFaults({latencyMs: 100})
    const worker = spawnCli([...workerArgs(redis, 'restart', emulator, FAST_RECOVERY), '--max-body-bytes', '20000'])
    const done = collect(worker)
    await until(() => emulator.inspect.stats().peopleCount > 500, 60_000, 'the first deliveries')
    await redis.kill()
    await redis.restart()
    await until(() => emulator.inspect.stats().peopleCount === 4000, 120_000, 'every person')
    await until(async () => {
      const c = await counts(connection, 'restart')
      return c.waiting + c.active === 0
    }, 60_000, 'the queue to empty')
    worker.kill('SIGTERM')
    const result = await done
    expect(result.code, result.stderr).toBe(0)
  }, 240_000)

  it('two workers on one --budget never exceed the rate together (the server allows exactly the budget: a 429 would show)', async () => {
    const rate = 10
    await emulator.close()
    emulator = await testEmulator({rateLimit: {limit: rate, windowMs: 1000}})
    const {peopleFile} = writeOperations(dir.path, 600)
    await enqueue(redis, 'budget', peopleFile, 'people', dir.path)
    // Small bodies: about 10 operations a request, so the rate binds.
    const args = [...workerArgs(redis, 'budget', emulator, ['--budget', redis.url, '--max-body-bytes', '1000'], rate)]
    const workers = [spawnCli(args), spawnCli(args)]
    const done = workers.map((w) => collect(w))
    await until(() => emulator.inspect.stats().peopleCount === 600, 120_000, 'every person')
    for (const w of workers) w.kill('SIGTERM')
    for (const r of await Promise.all(done)) expect(r.code, r.stderr).toBe(0)
    const stats = emulator.inspect.stats()
    expect(stats.requests.total).toBeGreaterThan(40)
    expect(Object.keys(stats.requests.byStatus)).toEqual(['200'])
    expect(stats.maxRequestsInSlidingSecond).toBeLessThanOrEqual(rate)
  }, 180_000)

  it('serves /metrics (queue depth, jobs, requests, batch sizes, limiter) and /healthz', async () => {
    const {peopleFile} = writeOperations(dir.path, 50)
    await enqueue(redis, 'metrics', peopleFile, 'people', dir.path)
    const worker = spawnCli([...workerArgs(redis, 'metrics', emulator), '--metrics-port', '0'])
    const done = collect(worker)
    const started = new Promise<number>((resolve) => {
      let seen = ''
      worker.stderr!.on('data', (d) => {
        seen += d
        const m = /metrics on :(\d+)\/metrics/.exec(seen)
        if (m) resolve(Number(m[1]))
      })
    })
    const port = await started
    await until(() => emulator.inspect.stats().peopleCount === 50, 30_000, 'delivery')
    const health = await fetch(`http://127.0.0.1:${port}/healthz`)
    expect(health.status).toBe(200)
    await until(async () => /cio_jobs_completed_total\{role="worker"\} 50/.test(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()), 10_000, 'the completed count')
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    expect(text).toMatch(/cio_queue_depth\{queue="metrics",role="worker"\} 0/)
    expect(text).toMatch(/cio_requests_total\{role="worker"\} [1-9]/)
    expect(text).toMatch(/cio_throttled_total\{role="worker"\} 0/)
    expect(text).toMatch(/cio_batch_size_sum\{role="worker"\} 50/)
    expect(text).toMatch(/cio_limiter_done\{role="worker"\} [1-9]/)
    expect(text).toMatch(/cio_limiter_running\{role="worker"\} 0/)
    expect(text).toMatch(/cio_limiter_queued\{role="worker"\} 0/)
    expect(text).not.toContain(emulator.apiKey)
    worker.kill('SIGTERM')
    expect((await done).code).toBe(0)
  }, 60_000)
})
