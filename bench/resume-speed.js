#!/usr/bin/env node
// Figure 4: a run interrupted at 90% (SIGINT once the emulator has 90% of the rows), then resumed:
// the time from starting `resume` to its first request reaching the emulator, and its total time.
// The reader seeks to the ledger's resume offset in a plain file, so this should not grow with the
// rows already done. Usage: node bench/resume-speed.js [--rows N] [--json]   (uses dist/)
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {runCli} from './lib/child-run.js'
import {ensureData} from './lib/data.js'
import {CREDENTIALS, startEmulator} from './lib/emulator.js'

const args = process.argv.slice(2)
const rows = Number(args.includes('--rows') ? args[args.indexOf('--rows') + 1] : 1_000_000)
const asJson = args.includes('--json')
const log = asJson ? () => {} : (line) => console.log(line)
const fmt = (n) => Math.round(n).toLocaleString('en')

const input = await ensureData('people', rows, log)
const dir = await mkdtemp(join(tmpdir(), 'resume-speed-'))
const state = join(dir, 'ledger.sqlite')
const emulator = await startEmulator()
try {
  const target = ['--endpoint', emulator.url, ...CREDENTIALS, '--state', state, '--json']
  let interruptedAt = 0
  const first = await runCli(['import', input, '--type', 'people', '--rate', '1000', '--concurrency', '10',
    '--retry-file', join(dir, 'retry'), ...target], {
    onStart(child) {
      void (async () => {
        while (child.exitCode === null) {
          await sleep(100)
          const {entriesApplied} = await emulator.stats()
          if (entriesApplied >= rows * 0.9) {
            interruptedAt = entriesApplied
            child.kill('SIGINT')
            return
          }
        }
      })()
    },
  })
  const summary = JSON.parse(first.stdout)
  if (first.code !== 4) throw new Error(`expected the interrupted import to exit 4, got ${first.code}: ${first.stderr.slice(-1000)}`)
  log(`import interrupted after ${first.seconds.toFixed(1)} s at ${fmt(summary.rows.succeeded)} of ${fmt(rows)} rows acknowledged (SIGINT at ${fmt(interruptedAt)} applied)`)

  await emulator.reset()
  const resumed = await runCli(['resume', summary.runId, ...target])
  const resumeSummary = JSON.parse(resumed.stdout)
  if (resumed.code !== 0) throw new Error(`resume exited ${resumed.code}: ${resumed.stderr.slice(-1000)}`)
  const times = await emulator.requestTimes()
  const firstRequestS = (Math.min(...times) - resumed.startedAt) / 1000
  const stats = await emulator.stats()
  log(`resume: first request ${firstRequestS.toFixed(2)} s after start (target <= 2 s); ${fmt(stats.entriesApplied)} rows sent, ` +
    `done in ${resumed.seconds.toFixed(1)} s; peak RSS ${resumed.peakRssMb.toFixed(0)} MB; total acknowledged ${fmt(resumeSummary.rows.succeeded)}`)
  if (resumeSummary.rows.succeeded !== rows) throw new Error(`expected ${rows} rows acknowledged over both sessions, got ${resumeSummary.rows.succeeded}`)
  if (asJson) {
    console.log(JSON.stringify({rows, interruptedAtRows: summary.rows.succeeded, firstRequestSeconds: Number(firstRequestS.toFixed(3)),
      resumeSeconds: Number(resumed.seconds.toFixed(2)), rowsSentByResume: stats.entriesApplied, resumePeakRssMb: Math.round(resumed.peakRssMb)}))
  }
} finally {
  await emulator.close()
  await rm(dir, {recursive: true, force: true})
}
