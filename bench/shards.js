#!/usr/bin/env node
// Scaling out (issue 9): one import process vs two `--shard I/2` processes on the same file, sharing one
// --budget in a private redis-server, against the emulator in count mode.
//  1. throughput: an events file (v2 batches, --rate far above what one process needs): rows/s of
//     1 process vs 2 shards together, and their ratio (2 cores: the emulator takes its share).
//  2. the shared budget: a people file in v1 (one request per row, so the rate binds) at --rate R:
//     achieved rate of the 2 shards together (target >= 90% of R) and the busiest sliding second at the
//     emulator (must be <= R).
//  3. the cost of skipping: `--shard 0/1000` sends ~0.1% of the rows, reads them all and maps only its own.
// Prints FAIL beside a missed target. Usage: node bench/shards.js [--rows 200000] [--rate 100] [--seconds 15] [--json]
import {spawn, spawnSync} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {runCli} from './lib/child-run.js'
import {ensureData} from './lib/data.js'
import {CREDENTIALS, startEmulator} from './lib/emulator.js'

const args = process.argv.slice(2)
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)
const rows = Number(option('--rows', 200_000))
const rate = Number(option('--rate', 100))
const seconds = Number(option('--seconds', 15))
const asJson = args.includes('--json')
const log = asJson ? () => {} : (line) => console.log(line)
const mark = (ok) => (ok ? 'ok' : 'FAIL')

async function startRedis() {
  if (!spawnSync('sh', ['-c', 'command -v redis-server']).stdout.length) throw new Error('redis-server is not installed (apt-get install -y redis-server)')
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port
      s.close(() => resolve(p))
    })
  })
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {stdio: 'ignore'})
  for (let i = 0; i < 200; i++) {
    if (spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout.toString().startsWith('PONG')) break
    await new Promise((r) => setTimeout(r, 50))
  }
  return {url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM')}
}

const dir = await mkdtemp(join(tmpdir(), 'shards-'))
const emulator = await startEmulator()
const redis = await startRedis()
const results = {}
let run = 0
const importArgs = (input, type, extra) => ['import', input, '--type', type, '--endpoint', emulator.url, ...CREDENTIALS,
  '--state', join(dir, `ledger-${run++}.sqlite`), '--retry-file', join(dir, `retry-${run}`), '--json', ...extra]
async function together(commands) {
  const started = performance.now()
  const runs = await Promise.all(commands.map((c) => runCli(c)))
  for (const r of runs) if (r.code !== 0) throw new Error(`import exited ${r.code}: ${r.stderr.slice(-1000)}`)
  return {seconds: (performance.now() - started) / 1000, summaries: runs.map((r) => JSON.parse(r.stdout))}
}

try {
  const events = await ensureData('events', rows, log)
  const budget = ['--budget', redis.url, '--rate', '1000']
  await emulator.reset()
  const one = await together([importArgs(events, 'events', budget)])
  await emulator.reset()
  const two = await together([0, 1].map((i) => importArgs(events, 'events', [...budget, '--shard', `${i}/2`])))
  const sent = two.summaries.reduce((n, s) => n + s.rows.succeeded, 0)
  const ratio = one.seconds / two.seconds
  results.throughput = {rows, oneProcessRowsPerSec: Math.round(rows / one.seconds), twoShardsRowsPerSec: Math.round(rows / two.seconds), ratio: Number(ratio.toFixed(2))}
  log(`throughput, ${rows} events: 1 process ${results.throughput.oneProcessRowsPerSec} rows/s, 2 shards ${results.throughput.twoShardsRowsPerSec} rows/s, ratio ${ratio.toFixed(2)}` +
    `; rows sent by the shards ${sent} (${mark(sent === rows)})`)

  const people = await ensureData('people', rate * seconds, log)
  await emulator.reset()
  await together([0, 1].map((i) => importArgs(people, 'people', ['--api', 'v1', '--budget', redis.url, '--rate', String(rate), '--shard', `${i}/2`])))
  const times = (await emulator.requestTimes()).sort((a, b) => a - b)
  const stats = await emulator.stats()
  const achieved = (times.length - 1) / ((times.at(-1) - times[0]) / 1000)
  results.budget = {rate, requests: times.length, achievedRate: Number(achieved.toFixed(1)), busiestSlidingSecond: stats.maxRequestsInSlidingSecond}
  log(`shared budget, 2 shards in v1 at --rate ${rate}: achieved ${achieved.toFixed(1)} req/s (${((100 * achieved) / rate).toFixed(1)}% of --rate, target >= 90%: ${mark(achieved >= 0.9 * rate)}), ` +
    `busiest sliding second ${stats.maxRequestsInSlidingSecond} (<= ${rate}: ${mark(stats.maxRequestsInSlidingSecond <= rate)})`)

  await emulator.reset()
  const skip = await together([importArgs(events, 'events', ['--rate', '1000', '--shard', '0/1000'])])
  results.skipping = {rows, seconds: Number(skip.seconds.toFixed(2)), rowsPerSec: Math.round(rows / skip.seconds), sent: skip.summaries[0].rows.succeeded}
  log(`skipping other shards' rows: --shard 0/1000 read ${rows} events in ${skip.seconds.toFixed(2)} s (${results.skipping.rowsPerSec} rows/s), sent ${results.skipping.sent}; ` +
    `1 process sending all of them took ${one.seconds.toFixed(2)} s`)
  const t = results.throughput
  const b = results.budget
  const figures = [
    {figure: '8. 2 shard processes / 1 process, events', measured: `${t.ratio}`, target: '> 1 (two free cores)', met: t.ratio > 1},
    {figure: '8. 2 shards on one budget: share of --rate', measured: `${((100 * b.achievedRate) / rate).toFixed(1)}%`, target: '>= 90%', met: b.achievedRate >= 0.9 * rate},
    {figure: '8. 2 shards on one budget: busiest sliding second', measured: `${b.busiestSlidingSecond}`, target: `<= ${rate}`, met: b.busiestSlidingSecond <= rate},
    {figure: "8. skipping other shards' rows / sending all", measured: `${(skip.seconds / one.seconds).toFixed(2)}`, target: '(shown)', met: null},
  ]
  if (asJson) console.log(JSON.stringify({shards: results, figures}))
} finally {
  await emulator.close()
  redis.stop()
  await rm(dir, {recursive: true, force: true})
}
