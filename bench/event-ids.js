#!/usr/bin/env node
// Issue 13, target 4: derived event ids per second, scheme 1 (sha256(seed:line) per row, what runs
// recorded before schemes still use) against scheme 2 (the file's seed hashed once, the line through a
// keyed Feistel network), in one process, alternated, best of 5 rounds each. Also checks in passing
// that scheme 2 gave every line its own id. Prints FAIL when scheme 2 is not at least 5x scheme 1.
// Then the same comparison where ids are made in an import: reading and mapping the events NDJSON of
// --rows rows (bench/data/, as bench/import-speed.js uses) with a scheme-1 and a scheme-2 mapper,
// alternated, best of 3: what the scheme saves an events import before any sending.
// Usage: node bench/event-ids.js [--ids N] [--rows N] [--json]      Uses dist/: run `npm run build` first.
import {createMapper, eventIdDeriver} from '../dist/mapping/index.js'
import {fingerprintInput, openSource} from '../dist/source/index.js'
import {ensureData} from './lib/data.js'

const args = process.argv.slice(2)
const ids = args.includes('--ids') ? Number(args[args.indexOf('--ids') + 1]) : 1_000_000
const rows = args.includes('--rows') ? Number(args[args.indexOf('--rows') + 1]) : 1_000_000
const asJson = args.includes('--json')
const log = asJson ? () => {} : (line) => console.log(line)
const TARGET = 5
const SEED = '3f2a9c0d5e7b1a4c8d6e2f0a9b7c5d3e1f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c:1073741824'

function timeScheme(scheme) {
  const derive = eventIdDeriver(SEED, scheme)
  let keep = 0
  const started = process.hrtime.bigint()
  // Times as an events file has them: one second apart, in ms.
  for (let line = 1; line <= ids; line++) keep ^= derive(line, 1_700_000_000_000 + line * 1000).charCodeAt(25)
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  return {seconds, rate: ids / seconds, keep}
}

const best = {1: null, 2: null}
for (let round = 0; round < 5; round++) {
  for (const scheme of [1, 2]) {
    const run = timeScheme(scheme)
    if (best[scheme] === null || run.seconds < best[scheme].seconds) best[scheme] = run
  }
}

const distinct = new Set()
const derive = eventIdDeriver(SEED, 2)
for (let line = 1; line <= Math.min(ids, 1_000_000); line++) distinct.add(derive(line).slice(10))
const unique = distinct.size === Math.min(ids, 1_000_000)

const ratio = best[2].rate / best[1].rate
const fmt = (n) => Math.round(n).toLocaleString('en')
log(`event ids, ${fmt(ids)} lines, best of 5 (alternated)`)
log(`scheme 1 sha256(seed:line) per row:  ${fmt(best[1].rate).padStart(12)} ids/s  (${((best[1].seconds / ids) * 1e9).toFixed(0)} ns an id)`)
log(`scheme 2 seed once + Feistel(line):  ${fmt(best[2].rate).padStart(12)} ids/s  (${((best[2].seconds / ids) * 1e9).toFixed(0)} ns an id)`)
log(`ratio scheme 2 / scheme 1: ${ratio.toFixed(1)}x (target >= ${TARGET}x)${ratio < TARGET ? '  FAIL' : ''}`)
log(`scheme 2 random parts distinct over ${fmt(Math.min(ids, 1_000_000))} lines: ${unique ? 'yes' : 'no  FAIL'}`)

const input = await ensureData('events', rows, log)
const {headHash, size} = await fingerprintInput(input)
async function mapFile(scheme) {
  const mapper = createMapper({type: 'events', eventIdSeed: `${headHash}:${size}`, eventIdScheme: scheme})
  const source = await openSource(input, {format: 'ndjson'})
  let mapped = 0
  const started = process.hrtime.bigint()
  try {
    for await (const record of source.records()) if (mapper.map(record).ok) mapped++
  } finally {
    source.close()
  }
  if (mapped !== rows) throw new Error(`expected ${rows} mapped rows, got ${mapped}`)
  return Number(process.hrtime.bigint() - started) / 1e9
}
const mapping = {1: Infinity, 2: Infinity}
for (let round = 0; round < 3; round++) for (const scheme of [1, 2]) mapping[scheme] = Math.min(mapping[scheme], await mapFile(scheme))
log(`read + map ${fmt(rows)} event rows: scheme 1 ${mapping[1].toFixed(2)} s, scheme 2 ${mapping[2].toFixed(2)} s (${(100 * (1 - mapping[2] / mapping[1])).toFixed(0)}% less time)`)

if (asJson) {
  console.log(JSON.stringify({
    ids,
    idsPerSecond: {scheme1: Math.round(best[1].rate), scheme2: Math.round(best[2].rate)},
    ratio: Number(ratio.toFixed(2)),
    unique,
    rows,
    readAndMapSeconds: {scheme1: Number(mapping[1].toFixed(3)), scheme2: Number(mapping[2].toFixed(3))},
  }))
}
if (ratio < TARGET || !unique) process.exitCode = 1
