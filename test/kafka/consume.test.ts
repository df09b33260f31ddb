import {Kafka, logLevel} from 'kafkajs'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {collect, spawnCli, tempDir} from '../helpers/cli.js'
import {targetArgs, testEmulator} from '../helpers/emulator.js'
import {type MockKafka, startMockKafka} from '../helpers/kafka.js'

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, state?: () => unknown): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${state ? `: ${JSON.stringify(state())}` : ''}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('consume (Kafka)', () => {
  let kafka: MockKafka
  let emulator: RunningEmulator
  let dir: ReturnType<typeof tempDir>

  beforeEach(async () => {
    kafka = await startMockKafka()
    emulator = await testEmulator()
    dir = tempDir()
  })

  afterEach(async () => {
    await emulator?.close()
    await kafka?.stop()
    dir?.cleanup()
  })

  it('two consumers, one killed with -9: every event lands once by id, offsets end at the high-water marks, a malformed message is dead-lettered', async () => {
    const client = new Kafka({clientId: 'test', brokers: kafka.brokers, logLevel: logLevel.NOTHING})
    const producer = client.producer()
    await producer.connect()
    const people = 300
    const eventsPerPerson = 5
    const messages = []
    for (let i = 1; i <= people; i++) {
      messages.push({key: `p${i}`, value: JSON.stringify({type: 'identify', userId: `p${i}`, payload: {email: `p${i}@example.com`}})})
      for (let n = 1; n <= eventsPerPerson; n++) {
        messages.push({key: `p${i}`, value: JSON.stringify({type: 'track', userId: `p${i}`, payload: {event: 'viewed', properties: {n}, timestamp: 1_700_000_000 + n}})})
      }
    }

    messages.push({key: 'anon', value: JSON.stringify({type: 'track', anonymousId: 'a1', payload: {name: 'visited', data: {path: '/'}}})})
    messages.push({key: 'bad', value: '{"type":"page","userId":"p1"}'})
    messages.push({key: 'bad', value: 'not json at all'})
    const tooLong = JSON.stringify({type: 'track', userId: 'p1', payload: {event: 'x'.repeat(200)}})
    messages.push({key: 'p1', value: tooLong})
    for (let i = 0; i < messages.length; i += 500) await producer.send({topic: 'ops', messages: messages.slice(i, i + 500)})
    await producer.disconnect()
    const expectedEvents = people * eventsPerPerson + 1

    emulator.setFaults({latencyMs: 80})
    const deadLetterFile = join(dir.path, 'dead.ndjson')
    const args = ['consume', '--brokers', kafka.brokers.join(','), '--topic', 'ops', '--group', 'g1', ...targetArgs(emulator)]
    const common = [...args, '--rate', '50', '--concurrency', '2', '--max-body-bytes', '3000', '--session-timeout-ms', '6000', '--dead-letter', deadLetterFile]
    const first = spawnCli(common)
    const second = spawnCli([...common, '--metrics-port', '0'])
    const secondDone = collect(second)
    let secondErr = ''
    second.stderr!.on('data', (d) => (secondErr += d))
    const metricsPort = new Promise<number>((resolve) => {
      let seen = ''
      second.stderr!.on('data', (d) => {
        seen += d
        const m = /metrics on :(\d+)\/metrics/.exec(seen)
        if (m) resolve(Number(m[1]))
      })
    })
    await until(() => emulator.inspect.stats().eventCount > 200, 60_000, 'the first deliveries')
    first.kill('SIGKILL')
    const stats = () => {
      const {eventCount, peopleCount, duplicateEventIds, requests} = emulator.inspect.stats()
      return {eventCount, expectedEvents, peopleCount, people, duplicateEventIds, requests, secondStderr: secondErr.slice(-2000)}
    }
    await until(() => emulator.inspect.stats().eventCount === expectedEvents && emulator.inspect.stats().peopleCount === people, 120_000, 'every event', stats)

    const admin = client.admin()
    await admin.connect()
    const highWater = async () => Object.fromEntries((await admin.fetchTopicOffsets('ops')).map((p) => [p.partition, p.high]))
    const committed = async () => Object.fromEntries((await admin.fetchOffsets({groupId: 'g1', topics: ['ops']}))[0].partitions.map((p) => [p.partition, p.offset]))
    const high = await highWater()
    await until(async () => JSON.stringify(await committed()) === JSON.stringify(high), 30_000, 'offsets committed to the high-water marks')
    // The survivor's metrics: what it delivered and dead-lettered, its requests; healthy until it stops.
    const port = await metricsPort
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    expect(metrics).toMatch(/cio_jobs_completed_total\{role="consumer"\} [1-9]/)
    expect(metrics).toMatch(/cio_requests_total\{role="consumer"\} [1-9]/)
    expect(metrics).toMatch(/cio_batch_size_count\{role="consumer"\} [1-9]/)
    expect(metrics).not.toContain('cio_queue_depth')
    second.kill('SIGTERM')
    const result = await secondDone
    expect(result.code, result.stderr).toBe(0)
    expect(await committed()).toEqual(high)
    await admin.disconnect()

    const events = emulator.inspect.events()
    expect(events).toHaveLength(expectedEvents)
    expect(new Set(events.map((e) => e.id)).size).toBe(expectedEvents)
    expect(existsSync(deadLetterFile)).toBe(true)
    const letters = readFileSync(deadLetterFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    // The killed consumer may have written one before it died; by offset, each is there.
    const byValue = new Map(letters.map((l) => [l.value, l]))
    expect(byValue.size).toBe(3)
    expect(byValue.get(tooLong)).toMatchObject({rule: 'event_name_too_long', key: 'p1'})
    expect(byValue.get('not json at all')).toMatchObject({topic: 'ops', rule: 'message_invalid', key: 'bad'})
    expect(byValue.get('not json at all').reason).toMatch(/not JSON/)
    expect(byValue.get('{"type":"page","userId":"p1"}').reason).toMatch(/type must be "identify" or "track", got "page"/)
    for (const l of letters) {
      expect(typeof l.partition).toBe('number')
      expect(l.offset).toMatch(/^\d+$/)
    }
  }, 300_000)
})
