#!/usr/bin/env node
// `npm run bench`: every figure of BENCHMARKS.md, one script at a time (never two heavy runs at once), then a
// summary table (figure, measured, target, met) with FAIL beside every missed target; exits 1 when any
// target is missed or a script fails.
// Default sizes finish in a few minutes (100k and 1M rows); --full adds the 10M-row import and resume.
// --only TEXT runs the figures whose title contains TEXT. Generated inputs are cached in bench/data/ (reused
// by the next run): the end says where and how big; --clean deletes them instead.
// Each script is also usable alone; see its header. Expects dist/ (npm run bench builds first).
import {spawn} from 'node:child_process'
import {readdir, rm, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {DATA_DIR} from './lib/data.js'

const args = process.argv.slice(2)
const full = args.includes('--full')
const clean = args.includes('--clean')
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined
const here = (name) => fileURLToPath(new URL(name, import.meta.url))
const fmt = (n) => Math.round(n).toLocaleString('en')
const sizes = full ? [100_000, 1_000_000, 10_000_000] : [100_000, 1_000_000]

/** A summary row. `met`: true, false (FAIL), or null for a figure shown without a target. */
const row = (figure, measured, target, met) => ({figure, measured: String(measured), target, met})

/**
 * The figures, in order. Each entry: {title, script, args, figures?}. The script runs as
 * `node bench/SCRIPT ...args --json`; its last stdout line is JSON. A script that knows its targets puts
 * `figures: [{figure, measured, target, met}]` in that JSON (pacing.js, yardstick.js); for the older ones,
 * `figures(json)` below turns their JSON into summary rows.
 *
 * A new figure: add an entry whose script prints `figures`, or give it a `figures(json)`.
 */
const FIGURES = [
  ...['people', 'events'].flatMap((type) => sizes.filter((rows) => type === 'people' || rows <= 1_000_000).map((rows) => ({
    title: `1 + 3. ${type} import throughput vs the parser, and peak RSS, ${fmt(rows)} rows`,
    script: 'import-speed.js',
    args: ['--type', type, '--rows', String(rows)],
    figures: (r) => [
      row(`1. ${type} import / ${type === 'people' ? 'csv-parse' : 'readline+JSON.parse'}, ${fmt(rows)} rows`,
        `${r.ratio} (${r.import.seconds} s, ${fmt(r.import.rate)} rows/s)`, '>= 0.40', r.ratio >= 0.4),
      // Issue 13 target 6: the default import's peak RSS <= 170 MB (was 150 before it).
      row(`3. ${type} import peak RSS, ${fmt(rows)} rows`, `${r.import.peakRssMb} MB`, '<= 170 MB', r.import.peakRssMb <= 170),
    ],
  }))),
  {
    title: '2. validate vs csv-parse',
    script: 'validate-speed.js',
    args: ['--rows', '1000000'],
    figures: (r) => [row('2. validate engine / csv-parse, 1M people rows', `${r.engineRatio} (CLI ${r.cliRatio})`, '>= 0.60', r.engineRatio >= 0.6)],
  },
  {
    title: '4. resume of a run interrupted at 90%: time to its first request',
    script: 'resume-speed.js',
    args: ['--rows', String(full ? 10_000_000 : 1_000_000)],
    figures: (r) => [row(`4. resume, ${fmt(r.rows)} rows: first request after start`, `${r.firstRequestSeconds} s`, '<= 2 s', r.firstRequestSeconds <= 2)],
  },
  {title: '5. v1 pacing: share of --rate and busiest sliding second at the server', script: 'pacing.js', args: ['--seconds', '10', '--rates', '50,80,100']},
  {
    title: '6. what the ledger costs (best of three runs each, alternated)',
    script: 'import-speed.js',
    args: ['--type', 'people', '--rows', '1000000', '--ledger-cost'],
    figures: (r) => [row('6. ledger cost, 1M people rows', `${(r.ledger.cost * 100).toFixed(1)}%`, '<= 5%', r.ledger.cost <= 0.05)],
  },
  {
    title: '--concurrency on loopback and with 150 ms latency (people)',
    script: 'concurrency.js',
    args: ['--rows', '200000', '--latency', '150', '--levels', '4,10,20'],
    figures: (r) => r.concurrency.map((c) => row(`people, latency ${c.latencyMs} ms, --concurrency ${c.concurrency}`, `${c.seconds} s, ${fmt(c.rowsPerSecond)} rows/s, ${c.peakRssMb} MB`, '(shown)', null)),
  },
  ...['people', 'events'].map((type) => ({
    title: `13.3 request bodies as bytes vs joined strings, ${type}`,
    script: 'body-build.js',
    args: ['--rows', '200000', '--type', type],
    figures: (r) => [row(`13.3 body building, ${type}: bytes / strings`, `${r.speedup}x faster (${r.bytesMs} vs ${r.stringsMs} ms)`, '> 1x', r.speedup > 1)],
  })),
  {
    title: '13.4 event ids: scheme 2 (no per-row hash) vs sha256 per row',
    script: 'event-ids.js',
    args: [],
    figures: (r) => [
      row('13.4 event ids per second, scheme 2 / scheme 1', `${r.ratio}x (${fmt(r.idsPerSecond.scheme2)} vs ${fmt(r.idsPerSecond.scheme1)})`, '>= 5x, unique', r.ratio >= 5 && r.unique),
      row('13.4 read + map events, scheme 2 vs 1', `${r.readAndMapSeconds.scheme2} s vs ${r.readAndMapSeconds.scheme1} s`, '(shown)', null),
    ],
  },
  {
    title: '13.5 validate vs csv-parse on a 9-column file with ISO dates',
    script: 'validate-dates.js',
    args: ['--rows', '200000'],
    figures: (r) => [row('13.5 validate / csv-parse, ISO dates', `${r.ratio} (by CPU ${r.cpuRatio})`, '>= 1.0', r.met)],
  },
  {
    title: '13.1 events by 1,000 people: --concurrency 10 vs 1 at 150 ms latency (issue 13 target 1)',
    script: 'concurrency.js',
    args: ['--type', 'events', '--rows', '200000', '--latency', '150', '--levels', '1,10'],
    figures: (r) => r.speedups.map((s) => row(`13.1 events, latency ${s.latencyMs} ms: --concurrency 10 / 1`, `${s.speedup}x`, s.target === null ? '(shown)' : `>= ${s.target}x`, s.met)),
  },
  {title: '13. the import vs the plain csv-parse -> batch() script, 1M rows (issue 13 target 2)', script: 'yardstick.js', args: ['--rows', '1000000']},
  {
    title: '8. scaling out: 2 shard processes on one Redis budget (needs redis-server)',
    script: 'shards.js',
    args: ['--rows', '200000', '--rate', '100', '--seconds', '15'],
  },
]

function runScript(name, scriptArgs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [here(name), ...scriptArgs, '--json'], {stdio: ['ignore', 'pipe', 'inherit']})
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (c) => (out += c))
    child.once('error', reject)
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`${name} ${scriptArgs.join(' ')} exited ${code}`))
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)))
      } catch {
        reject(new Error(`${name} printed no JSON line: ${out.slice(-500)}`))
      }
    })
  })
}

const summary = []
for (const entry of FIGURES) {
  if (only && !entry.title.includes(only)) continue
  console.log(`\n== ${entry.title}`)
  try {
    const json = await runScript(entry.script, entry.args)
    const rows = entry.figures ? entry.figures(json) : json.figures
    if (!Array.isArray(rows)) throw new Error(`${entry.script} gave no figures`)
    for (const r of rows) {
      console.log(`${r.figure}: ${r.measured} (target ${r.target})${r.met === false ? ' FAIL' : ''}`)
      summary.push(r)
    }
  } catch (error) {
    console.log(`FAIL: ${error.message}`)
    summary.push(row(entry.title, `script failed: ${error.message}`, '(runs)', false))
  }
}

const met = (m) => (m === true ? 'yes' : m === false ? 'FAIL' : '-')
const widths = ['figure', 'measured', 'target'].map((k) => Math.max(k.length, ...summary.map((r) => r[k].length)))
const line = (cells) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c)).join(' | ')
console.log(`\n== Summary\n${line(['figure', 'measured', 'target', 'met'])}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}-|----`)
for (const r of summary) console.log(line([r.figure, r.measured, r.target, met(r.met)]))
const failed = summary.filter((r) => r.met === false)
console.log(failed.length > 0 ? `\n${failed.length} figure(s) FAIL their target.` : '\nEvery figure met its target.')

async function sizeOf(dir) {
  let bytes = 0
  for (const entry of await readdir(dir, {withFileTypes: true}).catch(() => [])) {
    const path = join(dir, entry.name)
    bytes += entry.isDirectory() ? await sizeOf(path) : (await stat(path)).size
  }

  return bytes
}

const cached = await sizeOf(DATA_DIR)
if (clean) {
  await rm(DATA_DIR, {recursive: true, force: true})
  console.log(`Deleted the generated inputs in ${DATA_DIR} (${(cached / 1e6).toFixed(0)} MB).`)
} else {
  console.log(`Generated inputs are cached in ${DATA_DIR}: ${(cached / 1e6).toFixed(0)} MB (reused next run; npm run bench -- --clean deletes them).`)
}

if (failed.length > 0) process.exitCode = 1
