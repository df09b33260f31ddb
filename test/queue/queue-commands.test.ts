import {Redis} from 'ioredis'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {collect, parseJson, runCli, spawnCli, tempDir} from '../helpers/cli.js'
import {targetArgs, testEmulator} from '../helpers/emulator.js'
import {startRedis, type TestRedis} from '../helpers/redis.js'

describe('queue status | retry-failed | export-failed', () => {
  let redis: TestRedis
  let emulator: RunningEmulator
  let dir: ReturnType<typeof tempDir>

  beforeAll(async () => {
    redis = await startRedis()
    // A poisoned row makes its whole batch a 400: the worker splits it down to that row, which fails with the reason.
    emulator = await testEmulator({faults: {refuseBodiesContaining: 'poison'}})
    dir = tempDir()
  })

  afterAll(async () => {
    await emulator?.close()
    await redis?.stop()
    dir?.cleanup()
  })

  it('shows the failure grouped by reason, exports it as a file import accepts, and moves it back to waiting', async () => {
    const input = join(dir.path, 'people.ndjson')
    writeFileSync(input, ['{"id":"1","plan":"pro"}', '{"id":"2","plan":"poison"}', '{"id":"3","plan":"basic"}'].join('\n') + '\n')
    const redisArgs = ['--redis', redis.url, '--queue', 'admin']
    expect((await runCli(['enqueue', input, '--type', 'people', ...redisArgs], {cwd: dir.path})).code).toBe(0)

    const worker = spawnCli(['worker', ...redisArgs, ...targetArgs(emulator)])
    const done = collect(worker)
    const deadline = Date.now() + 30_000
    let status: Record<string, any> = {}
    while (Date.now() < deadline) {
      status = parseJson((await runCli(['queue', 'status', ...redisArgs, '--json'])).stdout)
      if (status.counts.completed + status.counts.failed === 3) break
      await new Promise((r) => setTimeout(r, 200))
    }

    worker.kill('SIGTERM')
    expect((await done).code).toBe(0)
    expect(status.counts).toMatchObject({waiting: 0, active: 0, completed: 2, failed: 1})
    expect(status.depth).toBe(0)
    expect(status.failureReasons).toHaveLength(1)
    expect(status.failureReasons[0].count).toBe(1)
    expect(status.failureReasons[0].reason).toMatch(/^rejected by Customer\.io: /)
    const text = await runCli(['queue', 'status', ...redisArgs])
    expect(text.stdout).toMatch(/failed 1/)
    expect(text.stdout).toMatch(/\s1\s+rejected by Customer\.io/)

    const file = join(dir.path, 'failed.ndjson')
    const exported = await runCli(['queue', 'export-failed', file, '--type', 'people', ...redisArgs, '--json'])
    expect(exported.code, exported.stderr).toBe(0)
    expect(parseJson(exported.stdout)).toMatchObject({rows: 1})
    const rows = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    // The retry file's _error is the rule, then Customer.io's reason.
    expect(rows).toEqual([{plan: 'poison', id: '2', _line: 2, _error: `rejected_by_api: ${status.failureReasons[0].reason}`}])
    const noEvents = await runCli(['queue', 'export-failed', join(dir.path, 'none.ndjson'), '--type', 'events', ...redisArgs, '--json'])
    expect(parseJson(noEvents.stdout)).toMatchObject({rows: 0})

    // The retry file goes through import as is (a workspace without the fault accepts it).
    const imported = await runCli(['import', file, '--type', 'people', '--emulator', '--state', join(dir.path, 'l.sqlite'), '--json'], {cwd: dir.path})
    expect(imported.code, imported.stderr).toBe(0)
    expect(parseJson(imported.stdout).rows).toMatchObject({succeeded: 1, failed: 0, invalid: 0})

    const retried = await runCli(['queue', 'retry-failed', ...redisArgs, '--json'])
    expect(parseJson(retried.stdout)).toMatchObject({retried: 1})
    const after = parseJson((await runCli(['queue', 'status', ...redisArgs, '--json'])).stdout)
    expect(after.counts).toMatchObject({waiting: 1, failed: 0})
  }, 120_000)
})
