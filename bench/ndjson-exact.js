#!/usr/bin/env node
// What keeping NDJSON numbers exact and refusing deep JSON costs per line, measured in one process with
// the variants interleaved (a loaded machine slows them alike): JSON.parse alone, then JSON.parse plus the
// checks the reader runs on every line (jsonDepthOver, mayLoseDigits), then lines with a big number,
// which are parsed again by parseExact.
// Usage: npm run build && node bench/ndjson-exact.js [--rows N]
import {readFileSync} from 'node:fs'

import {jsonDepthOver, mayLoseDigits, parseExact} from '../dist/source/json-text.js'
import {ensureData} from './lib/data.js'

const args = process.argv.slice(2)
const rows = Number(args[args.indexOf('--rows') + 1]) || 200_000
const lines = readFileSync(await ensureData('events', rows), 'utf8').split('\n').filter(Boolean)
const bigLines = lines.map((line) => line.replace('"amount":', '"big":12345678901234567890123,"amount":'))

const variants = {
  'JSON.parse': (line) => JSON.parse(line),
  'JSON.parse + checks (the reader)': (line) => {
    if (jsonDepthOver(line) > 0) return null
    const value = JSON.parse(line)
    return mayLoseDigits(line) ? parseExact(line) : value
  },
}
const bigVariant = variants['JSON.parse + checks (the reader)']

function timeOnce(fn, input) {
  const started = process.hrtime.bigint()
  let sink = 0
  for (const line of input) if (fn(line) !== null) sink++
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (sink !== input.length) throw new Error('lost lines')
  return input.length / seconds
}

const best = {}
for (let round = 0; round < 5; round++) {
  for (const [name, fn] of Object.entries(variants)) best[name] = Math.max(best[name] ?? 0, timeOnce(fn, lines))
  best['every line with a big number (parsed twice)'] = Math.max(best['every line with a big number (parsed twice)'] ?? 0, timeOnce(bigVariant, bigLines))
}
const base = best['JSON.parse']
for (const [name, rate] of Object.entries(best)) {
  console.log(`${name.padEnd(46)} ${Math.round(rate).toLocaleString('en').padStart(10)} lines/s  ${(rate / base).toFixed(2)}x`)
}
