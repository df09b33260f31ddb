#!/usr/bin/env node
// How close `validate` runs to csv-parse's own speed on the same file. Generates a CSV of people
// (15 attributes, unicode, quoted commas and line breaks) in os.tmpdir(), then times:
//   1. csv-parse {columns, bom} in a for-await loop (parsing only: the yardstick),
//   2. the validate engine in-process (reader + mapping + rules + duplicates + timestamps + profile + plan),
//   3. `node bin/run.js validate FILE --json` as a child process (adds the CLI's start-up).
// Each is run twice and the faster run counts. Uses dist/: run `npm run build` first.
// Usage: node bench/validate-speed.js [--rows N] [--json]
import {execFile} from 'node:child_process'
import {createReadStream, createWriteStream} from 'node:fs'
import {mkdtemp, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {once} from 'node:events'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'
import {parse} from 'csv-parse'

import {validateInputs} from '../dist/validation/index.js'

const args = process.argv.slice(2)
const rowsArg = args.indexOf('--rows')
const rows = rowsArg >= 0 ? Number(args[rowsArg + 1]) : 200_000
const asJson = args.includes('--json')
const log = asJson ? () => {} : (line) => console.log(line)
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))

const COLUMNS = ['id', 'email', 'first_name', 'last_name', 'city', 'country', 'plan', 'created_at', 'company', 'title',
  'phone', 'zip', 'score', 'notes', 'tags', 'newsletter']

function person(i) {
  return {
    id: String(i).padStart(8, '0'),
    email: `user${i}@example.com`,
    first_name: i % 3 === 0 ? 'Zoë' : 'Jane',
    last_name: i % 5 === 0 ? 'Müller-Łukasiewicz' : 'Doe',
    city: i % 4 === 0 ? 'São Paulo' : 'Berlin',
    country: i % 7 === 0 ? '日本' : 'DE',
    plan: ['free', 'pro', 'team'][i % 3],
    created_at: String(1_600_000_000 + i),
    company: `Acme, Inc. ${i % 100}`,
    title: i % 2 ? 'Engineer' : 'Head of "Growth"',
    phone: `+1555${String(i).padStart(7, '0')}`,
    zip: '02139',
    score: String(i % 1000),
    notes: i % 10 === 0 ? 'first line\nsecond line, with comma' : 'plain note',
    tags: 'a;b;c',
    newsletter: i % 2 ? 'true' : 'false',
  }
}

function csvCell(value) {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

async function writeCsv(path) {
  const out = createWriteStream(path)
  out.write(COLUMNS.join(',') + '\n')
  for (let i = 1; i <= rows; i++) {
    const p = person(i)
    if (!out.write(COLUMNS.map((c) => csvCell(p[c])).join(',') + '\n')) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
}

async function timed(label, run) {
  let best = null
  for (let attempt = 0; attempt < 2; attempt++) {
    const started = process.hrtime.bigint()
    const count = await run()
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    if (best === null || seconds < best.seconds) best = {count, seconds, rate: count / seconds}
  }
  log(`${label.padEnd(40)} ${best.count} rows  ${best.seconds.toFixed(2)} s  ${Math.round(best.rate).toLocaleString('en')} rows/s`)
  return best
}

const dir = await mkdtemp(join(tmpdir(), 'validate-speed-'))
try {
  const csvPath = join(dir, 'people.csv')
  await writeCsv(csvPath)
  log(`CSV: ${rows} rows x ${COLUMNS.length} columns, ${((await stat(csvPath)).size / 1e6).toFixed(1)} MB`)

  const csvParse = await timed('csv-parse {columns, bom} for-await', async () => {
    let count = 0
    for await (const record of createReadStream(csvPath).pipe(parse({columns: true, bom: true}))) if (record) count++
    return count
  })
  const engine = await timed('validate engine (in-process)', async () => {
    const report = await validateInputs({inputs: [csvPath], type: 'people', rejectsFile: join(dir, 'rejects.csv')})
    if (report.rows.valid !== rows) throw new Error(`expected ${rows} valid rows, got ${JSON.stringify(report.rows)}`)
    return report.rows.read
  })
  const cli = await timed('node bin/run.js validate --json', async () => {
    const {stdout} = await promisify(execFile)(process.execPath, [bin, 'validate', csvPath, '--type', 'people', '--json', '--rejects-file', join(dir, 'rejects.csv')], {maxBuffer: 64 * 1024 * 1024})
    return JSON.parse(stdout).rows.read
  })

  const engineRatio = engine.rate / csvParse.rate
  const cliRatio = cli.rate / csvParse.rate
  log(`ratio validate engine / csv-parse: ${engineRatio.toFixed(2)} (target >= 0.60)`)
  log(`ratio validate CLI / csv-parse:    ${cliRatio.toFixed(2)}`)
  if (asJson) {
    console.log(JSON.stringify({
      rows,
      rowsPerSecond: {csvParse: Math.round(csvParse.rate), validateEngine: Math.round(engine.rate), validateCli: Math.round(cli.rate)},
      engineRatio: Number(engineRatio.toFixed(3)),
      cliRatio: Number(cliRatio.toFixed(3)),
    }))
  }
} finally {
  await rm(dir, {recursive: true, force: true})
}
