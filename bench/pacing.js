#!/usr/bin/env node
// Figure 5: pacing in v1 mode (one request per row) at each --rate against an emulator that never
// throttles: the achieved rate at steady state (from the import's (--rate + 1)th request to its last, as the
// emulator saw them; the target check before the run is left out: the gap after it is start-up), its share of
// --rate (target >= 97%), and the most requests the emulator saw in any sliding second (target <= --rate).
// FAIL is printed beside a missed target.
// Usage: node bench/pacing.js [--seconds S] [--rates 50,80,100] [--json]   (uses dist/)
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {runCli} from './lib/child-run.js'
import {ensureData} from './lib/data.js'
import {CREDENTIALS, startEmulator} from './lib/emulator.js'

const args = process.argv.slice(2)
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)
const seconds = Number(option('--seconds', 10))
const rates = option('--rates', '50,80,100').split(',').map(Number)
const asJson = args.includes('--json')
const log = asJson ? () => {} : (line) => console.log(line)

const dir = await mkdtemp(join(tmpdir(), 'pacing-'))
const emulator = await startEmulator()
const results = []
try {
  for (const rate of rates) {
    const rows = rate * seconds
    const input = await ensureData('people', rows, log)
    await emulator.reset()
    const run = await runCli(['import', input, '--type', 'people', '--api', 'v1', '--rate', String(rate), '--concurrency', '10',
      '--endpoint', emulator.url, ...CREDENTIALS, '--state', join(dir, `ledger-${rate}.sqlite`), '--retry-file', join(dir, 'retry'), '--json'])
    if (run.code !== 0) throw new Error(`import at --rate ${rate} exited ${run.code}: ${run.stderr.slice(-1000)}`)
    const sent = JSON.parse(run.stdout).requests.sent
    const times = (await emulator.requestTimes()).sort((a, b) => a - b).slice(-sent)
    const stats = await emulator.stats()
    // Steady state: from the end of the first window on (the first --rate starts find an empty window, which
    // would flatter a short run), over whole multiples of --rate requests: starts come in runs of --rate
    // (spaced a tenth under even) then wait for the window, so (n - 1) / span would leave out a last wait.
    const periods = Math.floor((times.length - 1 - rate) / rate)
    if (periods < 1) throw new Error(`--seconds ${seconds} is too short to measure --rate ${rate}: need more than 2 s`)
    const achieved = (periods * rate) / ((times[rate + periods * rate] - times[rate]) / 1000)
    const share = achieved / rate
    const busiest = stats.maxRequestsInSlidingSecond
    const shareMet = share >= 0.97
    const capMet = busiest <= rate
    log(`v1 --rate ${rate}: ${times.length} requests, achieved ${achieved.toFixed(1)} req/s = ${(share * 100).toFixed(1)}% of --rate ` +
      `(target >= 97%)${shareMet ? '' : ' FAIL'}; most in any sliding second ${busiest} (target <= ${rate})${capMet ? '' : ' FAIL'}; ` +
      `429s ${stats.requests.byStatus['429'] ?? 0}`)
    results.push({rate, requests: times.length, achievedRate: Number(achieved.toFixed(2)), share: Number(share.toFixed(4)),
      maxInSlidingSecond: busiest, met: shareMet && capMet})
  }
  const figures = results.flatMap((r) => [
    {figure: `v1 pacing --rate ${r.rate}: share of --rate achieved`, measured: `${(r.share * 100).toFixed(1)}%`, target: '>= 97%', met: r.share >= 0.97},
    {figure: `v1 pacing --rate ${r.rate}: busiest sliding second at the server`, measured: String(r.maxInSlidingSecond), target: `<= ${r.rate}`, met: r.maxInSlidingSecond <= r.rate},
  ])
  if (asJson) console.log(JSON.stringify({pacing: results, figures}))
} finally {
  await emulator.close()
  await rm(dir, {recursive: true, force: true})
}
