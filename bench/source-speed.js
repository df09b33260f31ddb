#!/usr/bin/env node
// Compares the source reader (exact start lines, raw text, byte offsets, per-record errors) with plain
// csv-parse on the same generated CSV, and with readline + JSON.parse on the same NDJSON.
// Usage: node bench/source-speed.js [--rows N] [--dist] [--json]
//   --dist reads dist/source (after `npm run build`) instead of src through tsx
//   --json prints only one JSON object with the rates and ratios (for bench/run-all.js)
import {createReadStream, createWriteStream} from 'node:fs'
import {mkdtemp, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createInterface} from 'node:readline'
import {once} from 'node:events'
import {parse} from 'csv-parse'

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

const COLUMNS = ['id', 'email', 'first_name', 'last_name', 'city', 'country', 'plan', 'created_at', 'company', 'title',
  'phone', 'zip', 'score', 'notes', 'tags']

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
  }
}

function csvCell(value) {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

async function writeLines(path, header, lineOf) {
  const out = createWriteStream(path)
  if (header) out.write(header + '\n')
  for (let i = 1; i <= rows; i++) {
    if (!out.write(lineOf(person(i)) + '\n')) await once(out, 'drain')
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
    const rate = count / seconds
    if (best === null || rate > best.rate) best = {count, seconds, rate}
  }
  log(`${label.padEnd(44)} ${best.count} rows  ${best.seconds.toFixed(2)} s  ${Math.round(best.rate).toLocaleString('en')} rows/s`)
  return best.rate
}

const {openSource} = await loadSource()
const dir = await mkdtemp(join(tmpdir(), 'source-speed-'))
try {
  const csvPath = join(dir, 'people.csv')
  const ndjsonPath = join(dir, 'people.ndjson')
  await writeLines(csvPath, COLUMNS.join(','), (p) => COLUMNS.map((c) => csvCell(p[c])).join(','))
  await writeLines(ndjsonPath, null, (p) => JSON.stringify(p))
  log(`CSV ${rows} rows x ${COLUMNS.length} columns, ${((await stat(csvPath)).size / 1e6).toFixed(1)} MB; NDJSON ${((await stat(ndjsonPath)).size / 1e6).toFixed(1)} MB`)

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
} finally {
  await rm(dir, {recursive: true, force: true})
}
