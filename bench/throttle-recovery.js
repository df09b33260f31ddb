#!/usr/bin/env node
// Issue 15 item 9: a server limit below --rate. The emulator allows 40 requests in any sliding second
// (no Retry-After, as Customer.io documents none); the import runs in v1 at --rate 160. Reports the
// share of the server's limit the run used (target >= 85%; it was 61% when every 429 halved the rate
// and recovery added back a tenth of --rate) and that every row landed.
// Usage: node bench/throttle-recovery.js [--limit 40] [--rate 160] [--seconds 30] [--json]
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {runCli} from './lib/child-run.js'
import {ensureData} from './lib/data.js'
import {CREDENTIALS, startEmulator} from './lib/emulator.js'

const args = process.argv.slice(2)
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)
const limit = Number(option('--limit', 40))
const rate = Number(option('--rate', 160))
const seconds = Number(option('--seconds', 30))
const asJson = args.includes('--json')
const log = asJson ? () => {} : (line) => console.log(line)

const dir = await mkdtemp(join(tmpdir(), 'throttle-'))
const emulator = await startEmulator(['--rate-limit', String(limit)])
try {
  const rows = limit * seconds
  const input = await ensureData('people', rows, log)
  const run = await runCli(['import', input, '--type', 'people', '--api', 'v1', '--rate', String(rate), '--endpoint', emulator.url, ...CREDENTIALS,
    '--state', join(dir, 'ledger.sqlite'), '--retry-file', join(dir, 'retry'), '--json'])
  if (run.code !== 0) throw new Error(`import exited ${run.code}: ${run.stderr.slice(-1000)}`)
  const summary = JSON.parse(run.stdout)
  const stats = await emulator.stats()
  const ok = stats.requests.byStatus['200'] ?? 0
  // From the first request to the last as the server saw them (the CLI's start-up is not the limiter's doing).
  const times = (await emulator.requestTimes()).sort((a, b) => a - b)
  const used = ok / ((times.at(-1) - times[0]) / 1000)
  const share = used / limit
  const result = {limit, rate, rows, landed: summary.rows.succeeded, seconds: Number(run.seconds.toFixed(1)), acceptedPerSec: Number(used.toFixed(1)),
    shareOfLimit: Number(share.toFixed(3)), throttled: summary.requests.throttled}
  log(`server limit ${limit}/s, --rate ${rate}: ${ok} accepted, ${used.toFixed(1)}/s between the first and the last request, ` +
    `${(100 * share).toFixed(1)}% of the limit (target >= 85%: ${share >= 0.85 ? 'ok' : 'FAIL'}); 429s ${summary.requests.throttled}; ` +
    `rows landed ${summary.rows.succeeded}/${rows} (${summary.rows.succeeded === rows ? 'ok' : 'FAIL'})`)
  if (asJson) console.log(JSON.stringify({throttleRecovery: result}))
} finally {
  await emulator.close()
  await rm(dir, {recursive: true, force: true})
}
