import {Queue} from 'bullmq'
import {Redis} from 'ioredis'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createProducer, DEFAULT_QUEUE, OperationRejectedError, type Producer} from '../../src/index.js'
import {startRedis, type TestRedis} from '../helpers/redis.js'

describe('createProducer (the library entry)', () => {
  let redis: TestRedis
  let producer: Producer
  let queue: Queue
  let connection: Redis

  beforeAll(async () => {
    redis = await startRedis()
    producer = createProducer({redis: redis.url})
    connection = new Redis(redis.url, {maxRetriesPerRequest: null})
    queue = new Queue(DEFAULT_QUEUE, {connection})
  })

  afterAll(async () => {
    await producer?.close()
    await queue?.close()
    connection?.disconnect()
    await redis?.stop()
  })

  it('enqueues checked v2 entries on cio-operations; events get a ULID at enqueue time, once per id', async () => {
    await producer.identify('42', {email: 'a@example.com', plan: 'pro'})
    await producer.track('42', 'signed_up', {source: 'web'}, {timestamp: '2024-05-01T00:00:00Z'})
    await producer.trackAnonymous('anon-1', 'page_viewed', {path: '/'})
    await producer.track('43', 'bought', {}, {id: '01BX5ZZKBKACTAV9WEVGEMMVRY'})
    await producer.track('43', 'bought', {}, {id: '01BX5ZZKBKACTAV9WEVGEMMVRY'})

    const jobs = await queue.getJobs(['waiting'])
    expect(jobs).toHaveLength(4)
    const entries = jobs.map((j) => JSON.parse(j.data.entry)).sort((a, b) => (a.name ?? 'identify').localeCompare(b.name ?? 'identify'))
    expect(entries[0]).toEqual({type: 'person', action: 'event', identifiers: {id: '43'}, name: 'bought', id: '01BX5ZZKBKACTAV9WEVGEMMVRY'})
    expect(entries[1]).toEqual({type: 'person', action: 'identify', identifiers: {id: '42'}, attributes: {email: 'a@example.com', plan: 'pro'}})
    expect(entries[2]).toMatchObject({identifiers: {anonymous_id: 'anon-1'}, name: 'page_viewed', attributes: {path: '/'}})
    expect(entries[2].id).toMatch(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/)
    expect(entries[3]).toMatchObject({identifiers: {id: '42'}, name: 'signed_up', timestamp: 1714521600})
    expect(entries[3].id).toMatch(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/)
    expect(jobs.find((j) => j.name === 'identify')!.data.key).toBe('id:42')
  })

  it('a rule violation throws at enqueue time with the rule name, and nothing is enqueued', async () => {
    const before = await queue.count()
    await expect(producer.identify('x'.repeat(200), {})).rejects.toThrow(/identifier_too_long/)
    await expect(producer.track('42', '', {})).rejects.toBeInstanceOf(OperationRejectedError)
    await expect(producer.track('42', 'e', {}, {timestamp: 'yesterday'})).rejects.toMatchObject({rule: 'timestamp_invalid'})
    await expect(producer.track('42', 'e', {}, {id: 'not-a-ulid'})).rejects.toMatchObject({rule: 'event_id_invalid'})
    expect(await queue.count()).toBe(before)
  })
})
