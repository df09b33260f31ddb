#!/usr/bin/env node
// How close `validate` runs to csv-parse's own speed on the same file. Generates a CSV of people
// (15 attributes, unicode, quoted commas and line breaks; cached in bench/data/), then times:
//   1. csv-parse {columns, bom} in a for-await loop (parsing only: the yardstick),
//   2. the validate engine in-process (reader + mapping + rules + duplicates + timestamps + profile + plan),
//   3. `node bin/run.js validate FILE --json` as a child process (adds the CLI's start-up).
// Each is run twice and the faster run counts. Uses dist/: run `npm run build` first.
// Usage: node bench/validate-speed.js [--rows N] [--json]
import {execFile} from 'node:child_process'
import {createReadStream} from 'node:fs'
import {mkdtemp, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'
import {parse} from 'csv-parse'

import {validateInputs} from '../dist/validation/index.js'
import {ensureData, PEOPLE_COLUMNS} from './lib/data.js'

const args = process.argv.slice(2)
const rowsArg = args.indexOf('--rows')
const rows = rowsArg >= 0 ? Number(args[rowsArg + 1]) : 200_000
const asJson = args.includes('--json')
const log = asJson ? () => {} : (line) => console.log(line)
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))

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
  const csvPath = await ensureData('people', rows, log)
  log(`CSV: ${rows} rows x ${PEOPLE_COLUMNS.length} columns, ${((await stat(csvPath)).size / 1e6).toFixed(1)} MB`)

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
