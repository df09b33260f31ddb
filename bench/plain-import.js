#!/usr/bin/env node
// The yardstick of issue 13: what a user would write in an afternoon instead of cio-backfill. Read the file
// (csv-parse for people, readline + JSON.parse for NDJSON events), build v2 batch entries, pack them under
// 500 KB, and send each batch with customerio-node's TrackClient.batch() through bottleneck (10 in flight,
// 1000 requests/s). No ledger, no retries beyond customerio-node's own, no validation, no resume: it is the
// plain way, written to be fair (streaming, a bounded number of batches outstanding, one byte count per
// entry), not to be slow.
// Usage: node bench/plain-import.js FILE --type people|events --endpoint URL --site-id S --api-key K [--ulid]
// Prints one JSON line: {rows, requests, seconds}.
import {createReadStream} from 'node:fs'
import {createInterface} from 'node:readline'
import Bottleneck from 'bottleneck'
import {parse} from 'csv-parse'
import {TrackClient} from 'customerio-node'
import {ulid} from 'ulid'

const args = process.argv.slice(2)
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined)
const [file] = args
const type = option('--type') ?? 'people'
const withUlid = args.includes('--ulid')

const MAX_BODY = 500 * 1024
const OUTSTANDING = 20

const cio = new TrackClient(option('--site-id'), option('--api-key'), {url: `${option('--endpoint')}/api/v1`})
const limiter = new Bottleneck({maxConcurrent: 10, minTime: 1})

async function* people() {
  for await (const {id, ...attributes} of createReadStream(file).pipe(parse({columns: true, bom: true}))) {
    yield {type: 'person', action: 'identify', identifiers: {id}, attributes}
  }
}

async function* events() {
  for await (const line of createInterface({input: createReadStream(file), crlfDelay: Infinity})) {
    if (!line) continue
    const {id, name, timestamp, ...data} = JSON.parse(line)
    const entry = {type: 'person', action: 'event', identifiers: {id}, name, timestamp, attributes: data}
    if (withUlid) entry.id = ulid()
    yield entry
  }
}

const started = process.hrtime.bigint()
const inFlight = new Set()
let rows = 0
let requests = 0
let batch = []
let bytes = 0
const send = async (entries) => {
  // Keep memory bounded: wait while too many batches are queued or sending.
  while (inFlight.size >= OUTSTANDING) await Promise.race(inFlight)
  requests++
  const p = limiter.schedule(() => cio.batch(entries))
  inFlight.add(p)
  p.finally(() => inFlight.delete(p)).catch(() => {})
}

for await (const entry of type === 'people' ? people() : events()) {
  rows++
  const size = Buffer.byteLength(JSON.stringify(entry)) + 1
  // {"batch":[...]} around the entries: 12 bytes.
  if (bytes + size + 12 > MAX_BODY && batch.length > 0) {
    await send(batch)
    batch = []
    bytes = 0
  }

  batch.push(entry)
  bytes += size
}

if (batch.length > 0) await send(batch)
await Promise.all(inFlight)
const seconds = Number(process.hrtime.bigint() - started) / 1e9
console.log(JSON.stringify({rows, requests, seconds}))
