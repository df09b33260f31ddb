#!/usr/bin/env node
// How far the server's arrival time trails the client's start, measured: the margin the start window
// needs over one second (src/sending/local-budget.ts) comes from this, not from a guess.
//
// It paces v1 identify requests through the import's own delivery context (budget, pacer, customerio-node
// client, transport; dist/sending/delivery-context.js) against the emulator in its own process, records
// each start (the moment the pacer lets the request run) on this process's clock and reads the arrivals
// the emulator recorded on its clock (both are performance.timeOrigin + performance.now(), so they are
// comparable on one machine; a constant offset between the two clocks cancels out below).
//
// What matters for "never more than --rate in any sliding second at the server" is not the lag itself
// but how much it varies: with starts and arrivals each sorted, arrival[i+R] - arrival[i] =
// (start[i+R] - start[i]) + (lag[i+R] - lag[i]), so a window of 1000 ms + m on starts keeps the server's
// second under R when m >= lag[i] - lag[i+R] for every i. The script prints that "needed margin".
//
// --busy parses the people CSV in the same event loop while sending, as an import does (its mapping and
// packing run between starts), so the figure includes a busy client.
// Usage: node bench/arrival-lag.js [--rate R] [--seconds S] [--busy] [--json]   (uses dist/)
import {createReadStream} from 'node:fs'
import {parse} from 'csv-parse'

import {ensureData} from './lib/data.js'
import {CREDENTIALS, startEmulator} from './lib/emulator.js'

const {createDeliveryContext} = await import('../dist/sending/delivery-context.js')

const args = process.argv.slice(2)
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)
const rate = Number(option('--rate', 100))
const seconds = Number(option('--seconds', 10))
const busy = args.includes('--busy')
const asJson = args.includes('--json')
const log = asJson ? () => {} : (line) => console.log(line)

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
const round = (x) => Number(x.toFixed(2))

/** Parse the file over and over until `until` resolves: the work an import does between starts. */
async function keepBusy(path, stopped) {
  let rows = 0
  while (!stopped.done) {
    for await (const record of createReadStream(path).pipe(parse({columns: true}))) {
      if (record) rows++
      if (stopped.done) break
    }
  }

  return rows
}

const emulator = await startEmulator()
try {
  const requests = rate * seconds
  const stopping = new AbortController()
  const ctx = createDeliveryContext({
    target: {host: emulator.url, siteId: CREDENTIALS[1], apiKey: CREDENTIALS[3]},
    rate, concurrency: 10, maxRetries: 0, retryBaseMs: 100, api: 'v1',
    counters: {sent: 0, throttled: 0, retried: 0}, stopping: stopping.signal,
  })
  const stopped = {done: false}
  const busyRows = busy ? keepBusy(await ensureData('people', 1_000_000, log), stopped) : Promise.resolve(0)
  const attempts = []
  const sends = Array.from({length: requests}, (_, i) => ctx.pacer.run(async () => {
    const attempt = {start: performance.timeOrigin + performance.now(), end: 0}
    attempts.push(attempt)
    const result = await ctx.transport.send([JSON.stringify({type: 'person', action: 'identify', identifiers: {id: `lag-${i}`}, attributes: {n: i}})])
    attempt.end = performance.timeOrigin + performance.now()
    return result
  }, stopping.signal))
  const results = await Promise.all(sends)
  stopped.done = true
  const parsed = await busyRows
  await ctx.pacer.stop()
  const failed = results.filter((r) => r.kind !== 'ok').length
  if (failed > 0) throw new Error(`${failed} requests failed: ${JSON.stringify(results.find((r) => r.kind !== 'ok'))}`)

  const arrivals = (await emulator.requestTimes()).sort((a, b) => a - b)
  const stats = await emulator.stats()
  attempts.sort((a, b) => a.start - b.start)
  const starts = attempts.map((a) => a.start)
  // Round trip as the client sees it; its excess over the fastest one bounds how late that request arrived.
  const rtts = attempts.map((a) => a.end - a.start)
  const rttMin = Math.min(...rtts)
  if (arrivals.length !== starts.length) throw new Error(`${starts.length} starts but ${arrivals.length} arrivals`)
  const lags = arrivals.map((a, i) => a - starts[i])
  const sortedLags = [...lags].sort((a, b) => a - b)
  // The margin each window of R starts needed so its arrivals stayed R in 1000 ms: lag[i] - lag[i+R].
  const needs = []
  // And what is left of it once the window also waits out request i's round-trip excess (see StartWindow).
  const residual = []
  for (let i = 0; i + rate < lags.length; i++) {
    needs.push(lags[i] - lags[i + rate])
    residual.push(lags[i] - lags[i + rate] - Math.max(0, rtts[i] - rttMin))
  }

  needs.sort((a, b) => a - b)
  residual.sort((a, b) => a - b)
  const achieved = (arrivals.length - 1) / ((arrivals.at(-1) - arrivals[0]) / 1000)
  const result = {
    rate, requests, busy, busyRowsParsed: parsed,
    lagMs: {min: round(sortedLags[0]), p50: round(quantile(sortedLags, 0.5)), p99: round(quantile(sortedLags, 0.99)), max: round(sortedLags.at(-1))},
    neededMarginMs: {p50: round(quantile(needs, 0.5)), p99: round(quantile(needs, 0.99)), max: round(needs.at(-1))},
    rttMs: {min: round(rttMin), p50: round(quantile([...rtts].sort((a, b) => a - b), 0.5)), max: round(Math.max(...rtts))},
    marginBeyondRttExcessMs: {p99: round(quantile(residual, 0.99)), max: round(residual.at(-1))},
    achievedRate: round(achieved), maxInSlidingSecond: stats.maxRequestsInSlidingSecond,
  }
  log(`v1 --rate ${rate}, ${requests} requests${busy ? ', client busy parsing a CSV' : ''}: arrival - start lag ` +
    `min ${result.lagMs.min} ms, p50 ${result.lagMs.p50}, p99 ${result.lagMs.p99}, max ${result.lagMs.max}`)
  log(`margin over 1000 ms the start window needed (lag[i] - lag[i+${rate}]): p50 ${result.neededMarginMs.p50} ms, ` +
    `p99 ${result.neededMarginMs.p99}, max ${result.neededMarginMs.max}`)
  log(`round trip min ${result.rttMs.min} ms, p50 ${result.rttMs.p50}, max ${result.rttMs.max}; margin still needed once request i's ` +
    `round-trip excess is waited out: p99 ${result.marginBeyondRttExcessMs.p99} ms, max ${result.marginBeyondRttExcessMs.max}`)
  log(`achieved ${result.achievedRate} req/s (${(100 * achieved / rate).toFixed(1)}% of --rate), most in any sliding second ${result.maxInSlidingSecond}`)
  if (asJson) console.log(JSON.stringify(result))
} finally {
  await emulator.close()
}
