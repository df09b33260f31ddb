#!/usr/bin/env node
// `npm run bench`: every figure of BENCHMARKS.md, one script at a time (never two heavy runs at once).
// Default sizes finish in a few minutes (100k and 1M rows); --full adds the 10M-row import and resume.
// Each script is also usable alone; see its header. Expects dist/ (npm run bench builds first).
import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const full = process.argv.includes('--full')
const here = (name) => fileURLToPath(new URL(name, import.meta.url))
const fmt = (n) => Math.round(n).toLocaleString('en')

function runScript(name, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [here(name), ...args, '--json'], {stdio: ['ignore', 'pipe', 'inherit']})
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (c) => (out += c))
    child.once('error', reject)
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`${name} ${args.join(' ')} exited ${code}`))
      resolve(JSON.parse(out.trim().split('\n').at(-1)))
    })
  })
}

function section(title) {
  console.log(`\n== ${title}`)
}

const sizes = full ? [100_000, 1_000_000, 10_000_000] : [100_000, 1_000_000]
const failures = []
async function figure(title, body) {
  section(title)
  try {
    await body()
  } catch (error) {
    failures.push(title)
    console.log(`FAILED: ${error.message}`)
  }
}

await figure('1 + 3. import throughput vs the parser, and peak RSS of the import process', async () => {
  for (const type of ['people', 'events']) {
    for (const rows of sizes) {
      if (type === 'events' && rows > 1_000_000) continue
      const r = await runScript('import-speed.js', ['--type', type, '--rows', String(rows)])
      const yardstick = type === 'people' ? 'csv-parse' : 'readline+JSON.parse'
      console.log(`${type} ${fmt(rows)} rows: import ${r.import.seconds} s (${fmt(r.import.rate)} rows/s) vs ${yardstick} ` +
        `${r.yardstick.seconds.toFixed(2)} s (${fmt(r.yardstick.rate)} rows/s): ratio ${r.ratio} (target >= 0.40); peak RSS ${r.import.peakRssMb} MB (target <= 150)`)
    }
  }
})

await figure('2. validate vs csv-parse', async () => {
  const r = await runScript('validate-speed.js', ['--rows', '1000000'])
  console.log(`1,000,000 rows: csv-parse ${fmt(r.rowsPerSecond.csvParse)} rows/s, validate engine ${fmt(r.rowsPerSecond.validateEngine)} rows/s ` +
    `(ratio ${r.engineRatio}, target >= 0.60), validate CLI ${fmt(r.rowsPerSecond.validateCli)} rows/s (ratio ${r.cliRatio})`)
})

await figure('4. resume of a run interrupted at 90%: time to its first request', async () => {
  const rows = full ? 10_000_000 : 1_000_000
  const r = await runScript('resume-speed.js', ['--rows', String(rows)])
  console.log(`${fmt(rows)} rows, interrupted at ${fmt(r.interruptedAtRows)}: first request ${r.firstRequestSeconds} s after start ` +
    `(target <= 2 s); resume sent ${fmt(r.rowsSentByResume)} rows in ${r.resumeSeconds} s, peak RSS ${r.resumePeakRssMb} MB`)
})

await figure('5. pacing in v1 mode', async () => {
  const r = await runScript('pacing.js', ['--seconds', '10', '--rates', '80,100'])
  for (const p of r.pacing) {
    console.log(`--rate ${p.rate}: ${p.requests} requests, achieved ${p.achievedRate} req/s, most in any sliding second ${p.maxInSlidingSecond}`)
  }
})

await figure('6. what the ledger costs (best of three runs each, alternated)', async () => {
  const r = await runScript('import-speed.js', ['--type', 'people', '--rows', '1000000', '--ledger-cost'])
  console.log(`1,000,000 people rows: with the ledger ${r.ledger.onSeconds} s, without (--bench-no-ledger) ${r.ledger.offSeconds} s: ` +
    `the ledger costs ${(r.ledger.cost * 100).toFixed(1)}% (target <= 5%)`)
})

await figure('--concurrency on loopback and with 150 ms latency', async () => {
  const r = await runScript('concurrency.js', ['--rows', '200000', '--latency', '150', '--levels', '4,10,20'])
  for (const c of r.concurrency) {
    console.log(`latency ${c.latencyMs} ms, --concurrency ${c.concurrency}: ${c.seconds} s (${fmt(c.rowsPerSecond)} rows/s), peak RSS ${c.peakRssMb} MB`)
  }
})

if (failures.length > 0) {
  console.log(`\n${failures.length} figure(s) failed: ${failures.join('; ')}`)
  process.exitCode = 1
}
