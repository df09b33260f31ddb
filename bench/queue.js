#!/usr/bin/env node
// Queue-backed delivery (issue 10), against the emulator in count mode (its own process) and a private
// redis-server / librdkafka mock cluster:
//  1. enqueue: operations/s of `enqueue` (reader + rules + addBulk) for an events file of N rows;
//  2. worker: operations/s and requests/s of 1, then 2 `worker` processes draining N queued events at --rate R,
//     with the emulator's busiest sliding second (must stay <= R when the workers share --budget);
//  3. consume: operations/s of one `consume` process draining N messages from a 4-partition topic.
// Usage: node bench/queue.js [--ops 50000] [--rate 1000] [--json]   (after npm run build; needs redis-server and kcat)
import {spawn, spawnSync} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Kafka, logLevel} from 'kafkajs'

import {runCli} from './lib/child-run.js'
import {BIN, CREDENTIALS, startEmulator} from './lib/emulator.js'

const args = process.argv.slice(2)
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)
const ops = Number(option('--ops', 50_000))
const rate = Number(option('--rate', 1000))
const asJson = args.includes('--json')
const log = asJson ? () => {} : (line) => console.log(line)

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port
      s.close(() => resolve(p))
    })
  })
}

async function startRedis() {
  if (!spawnSync('sh', ['-c', 'command -v redis-server']).stdout.length) throw new Error('redis-server is not installed (apt-get install -y redis-server)')
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {stdio: 'ignore'})
  for (let i = 0; i < 200; i++) {
    if (spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout.toString().startsWith('PONG')) break
    await new Promise((r) => setTimeout(r, 50))
  }
  return {url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM')}
}

async function startKafka() {
  const child = spawn('kcat', ['-X', 'test.mock.num.brokers=3', '-b', 'localhost:1', '-C', '-t', '__keepalive', '-o', 'end', '-d', 'mock'], {stdio: ['ignore', 'ignore', 'pipe']})
  let out = ''
  const brokers = await new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      out += d
      const m = /bootstrap\.servers=([0-9.:,]+)/.exec(out)
      if (m) resolve(m[1].split(','))
    })
    child.once('error', () => reject(new Error('kcat is not installed (apt-get install -y kcat)')))
  })
  child.stderr.removeAllListeners('data')
  child.stderr.resume()
  return {brokers, stop: () => child.kill('SIGTERM')}
}

function start(argv) {
  return spawn(process.execPath, [BIN, ...argv], {stdio: ['ignore', 'ignore', 'pipe']})
}

async function until(check) {
  while (!(await check())) await new Promise((r) => setTimeout(r, 50))
}

/** Busiest 1000 ms window of request arrivals. */
function busiestSecond(times) {
  let best = 0
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= 1000) j++
    best = Math.max(best, i - j + 1)
  }
  return best
}

const dir = await mkdtemp(join(tmpdir(), 'queue-bench-'))
const emulator = await startEmulator()
const redis = await startRedis()
const results = {ops, rate}
try {
  const file = join(dir, 'events.ndjson')
  const lines = []
  for (let i = 0; i < ops; i++) lines.push(JSON.stringify({id: `u${i % 5000}`, name: 'viewed', timestamp: 1_700_000_000 + i, data: {i, path: `/p/${i}`, tags: ['a', 'b']}}))
  await writeFile(file, `${lines.join('\n')}\n`)

  // 1. enqueue
  const enqueueOnce = async (queue) => {
    const r = await runCli(['enqueue', file, '--type', 'events', '--redis', redis.url, '--queue', queue, '--json'])
    if (r.code !== 0) throw new Error(`enqueue exited ${r.code}: ${r.stderr}`)
    return r
  }
  const enq = await enqueueOnce('q1')
  results.enqueue = {seconds: enq.seconds, opsPerSecond: Math.round(ops / enq.seconds)}
  log(`enqueue: ${ops} operations in ${enq.seconds.toFixed(1)} s = ${results.enqueue.opsPerSecond} ops/s (process start included)`)

  // 2. workers
  for (const workers of [1, 2]) {
    const queue = workers === 1 ? 'q1' : 'q2'
    if (workers === 2) await enqueueOnce('q2')
    await emulator.reset()
    const started = performance.now()
    const argv = ['worker', '--redis', redis.url, '--queue', queue, '--endpoint', emulator.url, ...CREDENTIALS, '--rate', String(rate), '--budget', redis.url]
    const children = Array.from({length: workers}, () => start(argv))
    await until(async () => (await emulator.stats()).eventCount >= ops)
    const seconds = (performance.now() - started) / 1000
    const stats = await emulator.stats()
    const busiest = busiestSecond(await emulator.requestTimes())
    await Promise.all(children.map((c) => new Promise((r) => (c.once('exit', r), c.kill('SIGTERM')))))
    results[`workers${workers}`] = {seconds, opsPerSecond: Math.round(ops / seconds), requests: stats.requests.total, requestsPerSecond: +(stats.requests.total / seconds).toFixed(1), busiestSecond: busiest}
    log(`${workers} worker(s): ${ops} operations in ${seconds.toFixed(1)} s = ${results[`workers${workers}`].opsPerSecond} ops/s; ${stats.requests.total} requests (${results[`workers${workers}`].requestsPerSecond}/s), busiest second ${busiest} (budget ${rate}/s; process start included)`)
  }

  // 3. Kafka
  const kafka = await startKafka()
  try {
    const client = new Kafka({clientId: 'bench', brokers: kafka.brokers, logLevel: logLevel.NOTHING})
    const producer = client.producer()
    await producer.connect()
    const messages = lines.map((l, i) => {
      const row = JSON.parse(l)
      return {key: row.id, value: JSON.stringify({type: 'track', userId: row.id, payload: {event: row.name, properties: row.data, timestamp: row.timestamp}}), i}
    })
    for (let i = 0; i < messages.length; i += 1000) await producer.send({topic: 'bench', messages: messages.slice(i, i + 1000).map(({key, value}) => ({key, value}))})
    await producer.disconnect()
    await emulator.reset()
    const started = performance.now()
    const child = start(['consume', '--brokers', kafka.brokers.join(','), '--topic', 'bench', '--group', 'bench', '--endpoint', emulator.url, ...CREDENTIALS, '--rate', String(rate), '--dead-letter', join(dir, 'dead.ndjson')])
    await until(async () => (await emulator.stats()).eventCount >= ops)
    const seconds = (performance.now() - started) / 1000
    const stats = await emulator.stats()
    await new Promise((r) => (child.once('exit', r), child.kill('SIGTERM')))
    results.consume = {seconds, opsPerSecond: Math.round(ops / seconds), requests: stats.requests.total}
    log(`consume: ${ops} messages in ${seconds.toFixed(1)} s = ${results.consume.opsPerSecond} ops/s; ${stats.requests.total} requests (group join and process start included)`)
  } finally {
    kafka.stop()
  }
} finally {
  await emulator.close()
  redis.stop()
  await rm(dir, {recursive: true, force: true})
}

if (asJson) console.log(JSON.stringify(results))
