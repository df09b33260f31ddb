#!/usr/bin/env node
// Issue 13, target 5: `validate` against raw csv-parse on a 9-column people CSV whose values are
// mostly ISO 8601 dates (created_at is read as a timestamp by default; updated_at, last_login,
// trial_ends and the date-only birthday are untyped, so validate infers their type and checks them
// for milliseconds). Times, alternated, best of 3 each:
//   1. csv-parse {columns, bom} in a for-await loop over the file (the yardstick),
//   2. the validate engine in-process (reader + mapping + rules + duplicates + timestamps + profile + plan).
// Prints the ratio with FAIL when validate is slower than csv-parse (target >= 1.0).
// The input is generated once into bench/data/ (gitignored; its path and size are printed).
// Usage: node bench/validate-dates.js [--rows N] [--json]      Uses dist/: run `npm run build` first.
import {createReadStream, createWriteStream, existsSync} from 'node:fs'
import {once} from 'node:events'
import {mkdir, mkdtemp, rename, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {parse} from 'csv-parse'

import {parseCanonicalIsoMs} from '../dist/mapping/canonical-iso.js'
import {parseTimestampMsStrict} from '../dist/mapping/timestamps.js'
import {validateInputs} from '../dist/validation/index.js'
import {DATA_DIR} from './lib/data.js'

const args = process.argv.slice(2)
const rows = args.includes('--rows') ? Number(args[args.indexOf('--rows') + 1]) : 500_000
const asJson = args.includes('--json')
const log = asJson ? () => {} : (line) => console.log(line)
const TARGET = 1.0

const COLUMNS = ['id', 'email', 'first_name', 'plan', 'created_at', 'updated_at', 'last_login', 'trial_ends', 'birthday']
const DAY = 86_400_000
const iso = (ms) => new Date(ms).toISOString()

function line(i) {
  const created = Date.UTC(2019, 0, 1) + (i * 7919 * 1000) % (5 * 365 * DAY)
  const offsetHours = (i % 23) - 11
  const local = new Date(created + 3 * DAY + offsetHours * 3_600_000).toISOString().slice(0, 19)
  const sign = offsetHours < 0 ? '-' : '+'
  return [
    String(i).padStart(8, '0'),
    `user${i}@example.com`,
    i % 3 === 0 ? 'Zoë' : 'Jane',
    ['free', 'pro', 'team'][i % 3],
    iso(created).slice(0, 19) + 'Z',
    `${local}${sign}${String(Math.abs(offsetHours)).padStart(2, '0')}:00`,
    iso(created + 40 * DAY + (i % 1000) * 1000),
    iso(created + 14 * DAY).slice(0, 10),
    iso(Date.UTC(1960, 0, 1) + (i * 104_729) % (40 * 365) * DAY).slice(0, 10),
  ].join(',')
}

async function ensureInput() {
  await mkdir(DATA_DIR, {recursive: true})
  const path = join(DATA_DIR, `people-dates-${rows}.csv`)
  if (existsSync(path)) return path
  log(`generating ${path} (${rows.toLocaleString('en')} rows)...`)
  const out = createWriteStream(`${path}.partial`, {highWaterMark: 1 << 20})
  let chunk = COLUMNS.join(',') + '\n'
  for (let i = 1; i <= rows; i++) {
    chunk += line(i) + '\n'
    if (chunk.length > 1 << 20 || i === rows) {
      if (!out.write(chunk)) await once(out, 'drain')
      chunk = ''
    }
  }
  out.end()
  await once(out, 'finish')
  await rename(`${path}.partial`, path)
  return path
}

const dir = await mkdtemp(join(tmpdir(), 'validate-dates-'))
try {
  const csvPath = await ensureInput()
  log(`input: ${csvPath}, ${rows.toLocaleString('en')} rows x ${COLUMNS.length} columns, ${((await stat(csvPath)).size / 1e6).toFixed(1)} MB (kept for the next run; delete bench/data/ to reclaim it)`)

  const csvParse = async () => {
    let count = 0
    for await (const record of createReadStream(csvPath).pipe(parse({columns: true, bom: true}))) if (record) count++
    return count
  }
  const engine = async () => {
    const report = await validateInputs({inputs: [csvPath], type: 'people', rejectsFile: join(dir, 'rejects.csv')})
    if (report.rows.valid !== rows) throw new Error(`expected ${rows} valid rows, got ${JSON.stringify(report.rows)}`)
    const typed = report.attributes.filter((a) => a.type === 'timestamp').map((a) => a.name)
    if (typed.length !== 5) throw new Error(`expected 5 timestamp attributes, got ${typed.join(', ')}`)
    return report.rows.read
  }

  // Wall time decides; CPU time (this process, GC helper threads included) is printed beside it because
  // on a shared machine the wall clock also measures the neighbours.
  // One value at a time: the strict regex path against the fast path (with its fallback), on this file's dates.
  const dates = []
  for (let i = 1; i <= 100_000; i++) dates.push(...line(i).split(',').slice(4))
  const perValue = {strict: Infinity, fast: Infinity}
  for (let round = 0; round < 5; round++) {
    for (const [name, parse] of [['strict', parseTimestampMsStrict], ['fast', (t) => parseCanonicalIsoMs(t) ?? parseTimestampMsStrict(t)]]) {
      let sum = 0
      const started = process.hrtime.bigint()
      for (const text of dates) sum += parse(text)
      if (Number.isNaN(sum)) throw new Error('a date did not parse')
      perValue[name] = Math.min(perValue[name], Number(process.hrtime.bigint() - started) / dates.length)
    }
  }
  log(`one ISO date: strict regex ${perValue.strict.toFixed(0)} ns, fast path ${perValue.fast.toFixed(0)} ns (${dates.length.toLocaleString('en')} values, best of 5)`)

  const best = {csvParse: Infinity, engine: Infinity}
  const bestCpu = {csvParse: Infinity, engine: Infinity}
  for (let round = 0; round < 3; round++) {
    for (const [name, run] of [['csvParse', csvParse], ['engine', engine]]) {
      const started = process.hrtime.bigint()
      const cpu = process.cpuUsage()
      await run()
      const used = process.cpuUsage(cpu)
      best[name] = Math.min(best[name], Number(process.hrtime.bigint() - started) / 1e9)
      bestCpu[name] = Math.min(bestCpu[name], (used.user + used.system) / 1e6)
    }
  }

  const ratio = best.csvParse / best.engine
  const cpuRatio = bestCpu.csvParse / bestCpu.engine
  const rate = (seconds) => Math.round(rows / seconds).toLocaleString('en')
  log(`csv-parse {columns, bom} for-await   ${best.csvParse.toFixed(2)} s  ${rate(best.csvParse)} rows/s  (CPU ${bestCpu.csvParse.toFixed(2)} s)`)
  log(`validate engine (in-process)         ${best.engine.toFixed(2)} s  ${rate(best.engine)} rows/s  (CPU ${bestCpu.engine.toFixed(2)} s)`)
  log(`ratio validate / csv-parse on ISO dates: ${ratio.toFixed(2)} (target >= ${TARGET.toFixed(1)})${ratio < TARGET ? '  FAIL' : ''}; by CPU time ${cpuRatio.toFixed(2)}`)
  if (asJson) {
    const round3 = (n) => Number(n.toFixed(3))
    console.log(JSON.stringify({
      rows,
      seconds: {csvParse: round3(best.csvParse), validateEngine: round3(best.engine)},
      cpuSeconds: {csvParse: round3(bestCpu.csvParse), validateEngine: round3(bestCpu.engine)},
      nsPerDate: {strict: Math.round(perValue.strict), fast: Math.round(perValue.fast)},
      ratio: round3(ratio),
      cpuRatio: round3(cpuRatio),
      met: ratio >= TARGET,
    }))
  }
} finally {
  await rm(dir, {recursive: true, force: true})
}
