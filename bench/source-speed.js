#!/usr/bin/env node
// Compares the source reader (exact start lines, raw text, byte offsets, per-record errors) with plain
// csv-parse on the same generated CSV, and with readline + JSON.parse on the same NDJSON.
// Usage: node bench/source-speed.js [--rows N] [--dist] [--json]
//   --dist reads dist/source (after `npm run build`) instead of src through tsx
//   --json prints only one JSON object with the rates and ratios (for bench/run-all.js)
import {createReadStream} from 'node:fs'
import {stat} from 'node:fs/promises'
import {createInterface} from 'node:readline'
import {parse} from 'csv-parse'

import {ensureData, PEOPLE_COLUMNS} from './lib/data.js'

const args = process.argv.slice(2)
const rows = Number(args[args.indexOf('--rows') + 1]) || 200_000
const useDist = args.includes('--dist')
const asJson = args.includes('--json')
const log = asJson ? () => {} : (line) => console.log(line)

async function loadSource() {
  if (useDist) return import('../dist/source/index.js')
  const {register} = await import('tsx/esm/api')
  register()
  return import('../src/source/index.ts')
}

async function timed(label, run) {
  let best = null
  for (let attempt = 0; attempt < 2; attempt++) {
    const started = process.hrtime.bigint()
    const count = await run()
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    const rate = count / seconds
    if (best === null || rate > best.rate) best = {count, seconds, rate}
  }
  log(`${label.padEnd(44)} ${best.count} rows  ${best.seconds.toFixed(2)} s  ${Math.round(best.rate).toLocaleString('en')} rows/s`)
  return best.rate
}

const {openSource} = await loadSource()
{
  const csvPath = await ensureData('people', rows, log)
  const ndjsonPath = await ensureData('events', rows, log)
  log(`CSV ${rows} rows x ${PEOPLE_COLUMNS.length} columns, ${((await stat(csvPath)).size / 1e6).toFixed(1)} MB; NDJSON ${((await stat(ndjsonPath)).size / 1e6).toFixed(1)} MB`)

  const csvParse = await timed('csv-parse {columns, bom}', async () => {
    let count = 0
    for await (const record of createReadStream(csvPath).pipe(parse({columns: true, bom: true}))) if (record) count++
    return count
  })
  const csvParseInfo = await timed('csv-parse {columns, bom, info, raw}', async () => {
    let count = 0
    for await (const {record} of createReadStream(csvPath).pipe(parse({columns: true, bom: true, info: true, raw: true}))) if (record) count++
    return count
  })
  const ours = await timed('openSource csv (lines, raw, offsets, errors)', async () => {
    let count = 0
    const source = await openSource(csvPath)
    for await (const record of source.records()) if (record.fields) count++
    return count
  })
  const readline = await timed('readline + JSON.parse', async () => {
    let count = 0
    for await (const line of createInterface({input: createReadStream(ndjsonPath), crlfDelay: Infinity})) if (JSON.parse(line)) count++
    return count
  })
  const oursNdjson = await timed('openSource ndjson', async () => {
    let count = 0
    const source = await openSource(ndjsonPath)
    for await (const record of source.records()) if (record.fields) count++
    return count
  })
  log(`csv ratio openSource / csv-parse: ${(ours / csvParse).toFixed(2)}`)
  log(`ndjson ratio openSource / readline: ${(oursNdjson / readline).toFixed(2)}`)
  if (asJson) {
    const rounded = (rate) => Math.round(rate)
    console.log(JSON.stringify({
      rows,
      rowsPerSecond: {
        csvParse: rounded(csvParse), csvParseInfoRaw: rounded(csvParseInfo), sourceCsv: rounded(ours),
        readlineJson: rounded(readline), sourceNdjson: rounded(oursNdjson),
      },
      csvRatio: Number((ours / csvParse).toFixed(3)),
      ndjsonRatio: Number((oursNdjson / readline).toFixed(3)),
    }))
  }
}
