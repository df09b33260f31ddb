#!/usr/bin/env node
// Which --concurrency to default to: the same import at several concurrencies on loopback (no latency:
// CPU-bound) and with the emulator adding Customer.io-like latency (--latency L, default 150 ms).
// Usage: node bench/concurrency.js [--rows N] [--latency L] [--levels 4,10,20] [--json]   (uses dist/)
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {runCli} from './lib/child-run.js'
import {ensureData} from './lib/data.js'
import {CREDENTIALS, startEmulator} from './lib/emulator.js'

const args = process.argv.slice(2)
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)
const rows = Number(option('--rows', 200_000))
const latency = Number(option('--latency', 150))
const levels = option('--levels', '4,10,20').split(',').map(Number)
const asJson = args.includes('--json')
const log = asJson ? () => {} : (line) => console.log(line)

const input = await ensureData('people', rows, log)
const dir = await mkdtemp(join(tmpdir(), 'concurrency-'))
const results = []
try {
  for (const latencyMs of [0, latency]) {
    const emulator = await startEmulator(latencyMs > 0 ? ['--latency', String(latencyMs)] : [])
    try {
      for (const concurrency of levels) {
        const state = join(dir, `ledger-${latencyMs}-${concurrency}.sqlite`)
        const run = await runCli(['import', input, '--type', 'people', '--rate', '1000', '--concurrency', String(concurrency),
          '--endpoint', emulator.url, ...CREDENTIALS, '--state', state, '--retry-file', join(dir, 'retry'), '--json'])
        if (run.code !== 0) throw new Error(`import exited ${run.code}: ${run.stderr.slice(-1000)}`)
        const rate = rows / run.seconds
        log(`latency ${latencyMs} ms, --concurrency ${concurrency}: ${run.seconds.toFixed(2)} s, ${Math.round(rate).toLocaleString('en')} rows/s, peak RSS ${run.peakRssMb.toFixed(0)} MB`)
        results.push({latencyMs, concurrency, seconds: Number(run.seconds.toFixed(2)), rowsPerSecond: Math.round(rate), peakRssMb: Math.round(run.peakRssMb)})
        await rm(state, {force: true})
      }
    } finally {
      await emulator.close()
    }
  }
  if (asJson) console.log(JSON.stringify({rows, concurrency: results}))
} finally {
  await rm(dir, {recursive: true, force: true})
}
