#!/usr/bin/env node
// Figures 1, 3 and 6: import throughput (rows acknowledged per second, whole process wall time,
// start-up included) against the yardstick parser on the same file, the import process's peak RSS,
// and what the ledger costs (the same import with the bench-only --bench-no-ledger).
// The emulator runs in its own process (count store, no rate limit); --rate 1000 never binds.
// Usage: node bench/import-speed.js [--rows N] [--type people|events] [--concurrency C] [--ledger-cost] [--json]
// Uses dist/: run `npm run build` first (npm run bench does).
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {runCli} from './lib/child-run.js'
import {ensureData} from './lib/data.js'
import {CREDENTIALS, startEmulator} from './lib/emulator.js'
import {yardstick} from './lib/yardstick.js'

const args = process.argv.slice(2)
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)
const rows = Number(option('--rows', 1_000_000))
const type = option('--type', 'people')
const concurrency = Number(option('--concurrency', 10))
const ledgerCost = args.includes('--ledger-cost')
const asJson = args.includes('--json')
const log = asJson ? () => {} : (line) => console.log(line)
const fmt = (n) => Math.round(n).toLocaleString('en')

const input = await ensureData(type, rows, log)
const dir = await mkdtemp(join(tmpdir(), 'import-speed-'))
const emulator = await startEmulator()

async function importOnce(extra = []) {
  const state = join(dir, `ledger-${Date.now()}.sqlite`)
  try {
    const result = await runCli(['import', input, '--type', type, '--endpoint', emulator.url, ...CREDENTIALS,
      '--rate', '1000', '--concurrency', String(concurrency), '--state', state, '--retry-file', join(dir, 'retry'), '--json', ...extra])
    if (result.code !== 0) throw new Error(`import exited ${result.code}: ${result.stderr.slice(-2000)}`)
    const summary = JSON.parse(result.stdout)
    if (summary.rows.succeeded !== rows) throw new Error(`expected ${rows} rows acknowledged, got ${JSON.stringify(summary.rows)}`)
    return {seconds: result.seconds, rate: rows / result.seconds, peakRssMb: result.peakRssMb, requests: summary.requests.sent}
  } finally {
    await rm(state, {force: true})
    await rm(`${state}-wal`, {force: true})
    await rm(`${state}-shm`, {force: true})
  }
}

try {
  const base = await yardstick(type, input)
  log(`${type === 'people' ? 'csv-parse {columns} for-await' : 'readline + JSON.parse'}: ${fmt(rows)} rows in ${base.seconds.toFixed(2)} s = ${fmt(base.rate)} rows/s`)
  const withLedger = await importOnce()
  log(`import --concurrency ${concurrency}: ${fmt(rows)} rows in ${withLedger.seconds.toFixed(2)} s = ${fmt(withLedger.rate)} rows/s, ` +
    `${withLedger.requests} requests, peak RSS ${withLedger.peakRssMb.toFixed(0)} MB`)
  const ratio = withLedger.rate / base.rate
  log(`ratio import / yardstick: ${ratio.toFixed(2)} (target >= 0.40)`)
  const result = {type, rows, concurrency, yardstick: {seconds: base.seconds, rate: Math.round(base.rate)},
    import: {seconds: Number(withLedger.seconds.toFixed(2)), rate: Math.round(withLedger.rate), peakRssMb: Math.round(withLedger.peakRssMb)},
    ratio: Number(ratio.toFixed(3))}

  if (ledgerCost) {
    // Alternate the two modes so drift on a shared machine hits both alike; the best of three each counts
    // (the machine's noise between two runs, ~5%, is larger than what is measured).
    const a = [withLedger]
    const b = []
    for (let i = 0; i < 3; i++) {
      b.push(await importOnce(['--bench-no-ledger']))
      if (a.length < 3) a.push(await importOnce())
    }
    const best = (runs) => runs.reduce((x, y) => (y.seconds < x.seconds ? y : x))
    const on = best(a)
    const off = best(b)
    const cost = 1 - off.seconds / on.seconds
    log(`ledger on: ${on.seconds.toFixed(2)} s, off (--bench-no-ledger): ${off.seconds.toFixed(2)} s: ledger costs ${(cost * 100).toFixed(1)}% (target <= 5%)`)
    result.ledger = {onSeconds: Number(on.seconds.toFixed(2)), offSeconds: Number(off.seconds.toFixed(2)), cost: Number(cost.toFixed(3))}
  }

  if (asJson) console.log(JSON.stringify(result))
} finally {
  await emulator.close()
  await rm(dir, {recursive: true, force: true})
}
