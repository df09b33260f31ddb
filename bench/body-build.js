#!/usr/bin/env node
// Issue 13, target 3 measured alone: building v2 request bodies from mapped entries.
//   strings: what the import did before (entries collected as strings, joined into one body string,
//            Buffer.byteLength of it for Content-Length, then encoded to bytes again as fetch/undici does);
//   bytes:   BatchPacker writing each entry into the body's bytes as it is added (dist/batching).
// Both pack the same real mapped entries (the people or events bench file through dist/'s mapper) under the
// same 500 KB limit; the mapping is done once beforehand and not timed. Best of 5 rounds each, interleaved.
// Usage: node bench/body-build.js [--rows N] [--type people|events] [--json]   (after `npm run build`)
import {ensureData} from './lib/data.js'

const args = process.argv.slice(2)
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)
const rows = Number(option('--rows', 200_000))
const type = option('--type', 'people')
const asJson = args.includes('--json')
const log = asJson ? () => {} : (line) => console.log(line)

const {openSource} = await import('../dist/source/index.js')
const {createMapper} = await import('../dist/mapping/index.js')
const {BatchPacker, DEFAULT_MAX_BODY_BYTES} = await import('../dist/batching/batch-packer.js')

const input = await ensureData(type, rows, log)
const source = await openSource(input, {format: type === 'people' ? 'csv' : 'ndjson'})
const mapper = createMapper({type, columns: source.columns, eventIdSeed: 'bench', api: 'v2'})
const ops = []
for await (const record of source.records()) {
  const result = mapper.map(record)
  if (result.ok) ops.push(result.op)
}

source.close()

/** The old path: strings all the way, as deliver.ts and track-transport.ts did before issue 13. */
function buildStrings() {
  let entries = []
  let bodyBytes = 12
  let sink = 0
  const post = () => {
    const body = `{"batch":[${entries.join(',')}]}`
    const contentLength = Buffer.byteLength(body, 'utf8')
    const encoded = Buffer.from(body, 'utf8') // what fetch does with a string body
    sink += contentLength + encoded.length
  }

  for (const op of ops) {
    if (entries.length > 0 && bodyBytes + 1 + op.bytes > DEFAULT_MAX_BODY_BYTES) {
      post()
      entries = []
      bodyBytes = 12
    }

    entries.push(op.json)
    bodyBytes += (entries.length > 1 ? 1 : 0) + op.bytes
  }

  post()
  return sink
}

/** The new path: the packer writes bytes as entries arrive; posting takes them as they are. */
function buildBytes() {
  const packer = new BatchPacker({api: 'v2', fileIndex: 0})
  let sink = 0
  const position = {line: 0, offset: 0}
  for (const op of ops) {
    const ready = packer.add(op, '', position)
    if (ready) sink += ready.body.bytes.length
  }

  sink += packer.flush().body.bytes.length
  return sink
}

function time(fn) {
  const started = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - started) / 1e9
}

const best = {strings: Infinity, bytes: Infinity}
for (let round = 0; round < 5; round++) {
  best.strings = Math.min(best.strings, time(buildStrings))
  best.bytes = Math.min(best.bytes, time(buildBytes))
}

const mb = ops.reduce((sum, op) => sum + op.bytes, 0) / 1e6
const speedup = best.strings / best.bytes
log(`${type}: ${ops.length.toLocaleString('en')} entries, ${mb.toFixed(0)} MB of JSON`)
log(`  strings (join, byteLength, encode): ${(best.strings * 1000).toFixed(0)} ms`)
log(`  bytes (written entry by entry):     ${(best.bytes * 1000).toFixed(0)} ms`)
log(`  speed-up: ${speedup.toFixed(2)}x`)
if (asJson) {
  console.log(JSON.stringify({type, entries: ops.length, stringsMs: Math.round(best.strings * 1000), bytesMs: Math.round(best.bytes * 1000), speedup: Number(speedup.toFixed(2))}))
}
