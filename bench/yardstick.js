#!/usr/bin/env node
// Issue 13's yardstick figures, in one run on the same files: cio-backfill's import against the plain
// csv-parse / readline -> customerio-node batch() + bottleneck script a user would write
// (bench/plain-import.js), for people and events, with the ratio of their wall times (target: ours
// >= 1.5x as fast), people against raw csv-parse alone (target: >= 0.65x its rows/s), and the peak RSS
// of both. FAIL is printed beside a missed target.
// Both run as child processes against one emulator in its own process (count store, no rate limit);
// runs alternate (ours, plain, ours, plain...) so drift on a shared machine hits both, and the best of
// --repeat counts. --ulid adds the plain events script with ulid() event ids (slow: ~10x; no target).
// Usage: node bench/yardstick.js [--rows N] [--types people,events] [--repeat K] [--ulid] [--json]   (uses dist/)
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {runCli, runNode} from './lib/child-run.js'
import {ensureData} from './lib/data.js'
import {CREDENTIALS, startEmulator} from './lib/emulator.js'
import {csvParseRate} from './lib/yardstick.js'

const args = process.argv.slice(2)
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)
const rows = Number(option('--rows', 1_000_000))
const types = option('--types', 'people,events').split(',')
const repeat = Number(option('--repeat', 1))
const withUlid = args.includes('--ulid')
const asJson = args.includes('--json')
const log = asJson ? () => {} : (line) => console.log(line)
const fmt = (n) => Math.round(n).toLocaleString('en')
const PLAIN = fileURLToPath(new URL('plain-import.js', import.meta.url))

const TARGETS = {versusPlain: 1.5, peopleVersusCsvParse: 0.65}

const dir = await mkdtemp(join(tmpdir(), 'yardstick-'))
const emulator = await startEmulator()

/** One run of either side; checks every row reached the emulator, so a fast wrong run cannot count. */
async function timed(run) {
  await emulator.reset()
  const result = await run()
  if (result.code !== 0) throw new Error(`exited ${result.code}: ${result.stderr.slice(-2000)}`)
  const applied = (await emulator.stats()).entriesApplied
  if (applied !== rows) throw new Error(`expected ${rows} entries at the emulator, got ${applied}`)
  return {seconds: result.seconds, peakRssMb: result.peakRssMb}
}

function ours(type, input) {
  const state = join(dir, `ledger-${type}-${Date.now()}.sqlite`)
  return timed(() => runCli(['import', input, '--type', type, '--endpoint', emulator.url, ...CREDENTIALS, '--rate', '1000',
    '--concurrency', '10', '--state', state, '--retry-file', join(dir, 'retry'), '--json']))
}

function plain(type, input, extra = []) {
  return timed(() => runNode([PLAIN, input, '--type', type, '--endpoint', emulator.url, ...CREDENTIALS, ...extra]))
}

const best = (runs) => runs.reduce((a, b) => (b.seconds < a.seconds ? b : a))
const results = {}
const figures = []
function figure(name, measured, target, met) {
  figures.push({figure: name, measured, target, met})
  log(`${name}: ${measured} (target ${target})${met === false ? ' FAIL' : ''}`)
}

try {
  for (const type of types) {
    const input = await ensureData(type, rows, log)
    const a = []
    const b = []
    for (let i = 0; i < repeat; i++) {
      a.push(await ours(type, input))
      b.push(await plain(type, input))
    }

    const o = best(a)
    const p = best(b)
    const speedup = p.seconds / o.seconds
    results[type] = {ours: o, plain: p, speedup: Number(speedup.toFixed(3))}
    log(`${type}, ${fmt(rows)} rows: cio-backfill import ${o.seconds.toFixed(2)} s (${fmt(rows / o.seconds)} rows/s, peak RSS ${o.peakRssMb.toFixed(0)} MB); ` +
      `plain script ${p.seconds.toFixed(2)} s (${fmt(rows / p.seconds)} rows/s, peak RSS ${p.peakRssMb.toFixed(0)} MB)`)
    figure(`${type}: import vs the plain script (${fmt(rows)} rows)`, `${speedup.toFixed(2)}x (${o.seconds.toFixed(2)} s vs ${p.seconds.toFixed(2)} s)`,
      `>= ${TARGETS.versusPlain}x`, speedup >= TARGETS.versusPlain)
    figure(`${type}: peak RSS, import / plain script`, `${o.peakRssMb.toFixed(0)} / ${p.peakRssMb.toFixed(0)} MB`, '(shown)', null)

    if (type === 'people') {
      const parse = await csvParseRate(input)
      const ratio = rows / o.seconds / parse.rate
      results.people.csvParse = {seconds: Number(parse.seconds.toFixed(2)), ratio: Number(ratio.toFixed(3))}
      figure(`people: import vs raw csv-parse (${fmt(rows)} rows)`, `${ratio.toFixed(2)}x (csv-parse alone ${parse.seconds.toFixed(2)} s)`,
        `>= ${TARGETS.peopleVersusCsvParse}x`, ratio >= TARGETS.peopleVersusCsvParse)
    }

    if (type === 'events' && withUlid) {
      const u = await plain(type, input, ['--ulid'])
      results.events.plainUlid = u
      figure(`events: plain script with ulid() ids`, `${u.seconds.toFixed(2)} s, peak RSS ${u.peakRssMb.toFixed(0)} MB (import ${(u.seconds / o.seconds).toFixed(2)}x as fast)`, '(shown)', null)
    }
  }

  if (asJson) console.log(JSON.stringify({rows, repeat, results, figures}))
} finally {
  await emulator.close()
  await rm(dir, {recursive: true, force: true})
}
