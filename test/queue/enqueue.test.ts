import {Queue} from 'bullmq'
import {Redis} from 'ioredis'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {parseJson, runCli, tempDir} from '../helpers/cli.js'
import {startRedis, type TestRedis} from '../helpers/redis.js'

describe('enqueue', () => {
  let redis: TestRedis
  let dir: ReturnType<typeof tempDir>
  let connection: Redis

  beforeAll(async () => {
    redis = await startRedis()
    dir = tempDir()
    connection = new Redis(redis.url, {maxRetriesPerRequest: null})
  })

  afterAll(async () => {
    connection?.disconnect()
    await redis?.stop()
    dir?.cleanup()
  })

  it('enqueues valid rows with deterministic job ids, invalid rows go to the retry file; a re-run adds nothing twice', async () => {
    const input = join(dir.path, 'people.csv')
    writeFileSync(input, 'id,email,plan\n1,a@example.com,pro\n,,free\n2,b@example.com,basic\n')
    const args = ['enqueue', input, '--type', 'people', '--redis', redis.url, '--queue', 'enq-test', '--json']
    const first = await runCli(args, {cwd: dir.path})
    expect(first.code, first.stderr).toBe(1)
    const summary = parseJson(first.stdout)
    expect(summary).toMatchObject({read: 3, enqueued: 2, invalid: 1, exitCode: 1})
    const retry = readFileSync(join(dir.path, 'people.enqueue.retry.csv'), 'utf8')
    expect(retry).toBe('id,email,plan,_line,_error\n,,free,3,"identifier_missing: identifier is missing: columns \'id\', \'email\', \'cio_id\' are all empty or absent"\n')

    const again = await runCli(args, {cwd: dir.path})
    expect(again.code).toBe(1)
    const queue = new Queue('enq-test', {connection})
    const jobs = await queue.getJobs(['waiting'])
    await queue.close()
    expect(jobs).toHaveLength(2)
    expect(jobs.every((j) => /^people-[0-9a-f]{16}-\d+-[24]$/.test(j.id!))).toBe(true)
    expect(jobs.map((j) => JSON.parse(j.data.entry).identifiers.id).sort()).toEqual(['1', '2'])
  })

  it('an unreachable Redis is a usage error naming the URL without its password', async () => {
    const input = join(dir.path, 'one.ndjson')
    writeFileSync(input, '{"id":"1","name":"e"}\n')
    const result = await runCli(['enqueue', input, '--type', 'events', '--redis', 'redis://:hunter2@127.0.0.1:1'], {cwd: dir.path})
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1/)
    expect(result.stderr + result.stdout).not.toContain('hunter2')
  })
})
