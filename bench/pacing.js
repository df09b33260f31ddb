#!/usr/bin/env node
// Figure 5: pacing in v1 mode (one request per row) at --rate 80 and --rate 100 against an emulator
// that never throttles: the achieved rate between the first and the last request, and the most
// requests the emulator saw in any sliding second (must not exceed --rate).
// Usage: node bench/pacing.js [--seconds S] [--rates 80,100] [--json]   (uses dist/)
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {runCli} from './lib/child-run.js'
import {ensureData} from './lib/data.js'
import {CREDENTIALS, startEmulator} from './lib/emulator.js'

const args = process.argv.slice(2)
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)
const seconds = Number(option('--seconds', 10))
const rates = option('--rates', '80,100').split(',').map(Number)
const asJson = args.includes('--json')
const log = asJson ? () => {} : (line) => console.log(line)

const dir = await mkdtemp(join(tmpdir(), 'pacing-'))
const emulator = await startEmulator()
const results = []
try {
  for (const rate of rates) {
    const rows = rate * seconds
    const input = await ensureData('people', rows, log)
    await emulator.reset()
    const run = await runCli(['import', input, '--type', 'people', '--api', 'v1', '--rate', String(rate), '--concurrency', '10',
      '--endpoint', emulator.url, ...CREDENTIALS, '--state', join(dir, `ledger-${rate}.sqlite`), '--retry-file', join(dir, 'retry'), '--json'])
    if (run.code !== 0) throw new Error(`import at --rate ${rate} exited ${run.code}: ${run.stderr.slice(-1000)}`)
    const times = (await emulator.requestTimes()).sort((a, b) => a - b)
    const stats = await emulator.stats()
    const achieved = (times.length - 1) / ((times.at(-1) - times[0]) / 1000)
    log(`v1 --rate ${rate}: ${times.length} requests, achieved ${achieved.toFixed(1)} req/s, ` +
      `most in any sliding second ${stats.maxRequestsInSlidingSecond} (must be <= ${rate})`)
    results.push({rate, requests: times.length, achievedRate: Number(achieved.toFixed(2)), maxInSlidingSecond: stats.maxRequestsInSlidingSecond})
  }
  if (asJson) console.log(JSON.stringify({pacing: results}))
} finally {
  await emulator.close()
  await rm(dir, {recursive: true, force: true})
}
