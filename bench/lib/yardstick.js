// The yardsticks every import and validate figure is divided by, measured in the same run:
// csv-parse {columns: true} in a for-await loop for CSV, readline + JSON.parse for NDJSON.
import {createReadStream} from 'node:fs'
import {createInterface} from 'node:readline'
import {parse} from 'csv-parse'

export async function csvParseRate(path) {
  const started = process.hrtime.bigint()
  let rows = 0
  for await (const record of createReadStream(path).pipe(parse({columns: true, bom: true}))) if (record) rows++
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  return {rows, seconds, rate: rows / seconds}
}

export async function ndjsonParseRate(path) {
  const started = process.hrtime.bigint()
  let rows = 0
  for await (const line of createInterface({input: createReadStream(path), crlfDelay: Infinity})) {
    if (line && JSON.parse(line)) rows++
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  return {rows, seconds, rate: rows / seconds}
}

export function yardstick(type, path) {
  return type === 'people' ? csvParseRate(path) : ndjsonParseRate(path)
}
