import {join} from 'node:path'

import type {RunningEmulator} from '../emulator/index.js'
import {ImportSession} from '../importer/import-session.js'
import type {RunSummary} from '../importer/summary.js'
import type {Ledger} from '../ledger/ledger.js'
import type {RunRecord} from '../ledger/records.js'
import {createProgressReporter} from '../reporting/progress-reporter.js'
import {summaryText} from '../reporting/summary-text.js'
import {redact, type TrackTarget} from '../target/track-target.js'
import {exitCodeForStatus, type ExitCodeValue} from './exit-codes.js'

export interface SessionRequest {
  ledger: Ledger
  run: RunRecord
  target: TrackTarget
  emulator?: RunningEmulator
  rate: number
  concurrency: number
  drainTimeoutSeconds: number
  /** Per-request timeout. */
  timeoutSeconds: number
  /** Bench-only: no per-batch ledger commits (see the bench-no-ledger flag). */
  benchNoLedger?: boolean
  /** The --state given by the user, if any, for the resume command. */
  stateFlag?: string
  json: boolean
  log: (line: string) => void
}

/** What import and resume print with --json: the engine's summary and the exit code the CLI gives it. */
export type SessionSummary = RunSummary & {exitCode: ExitCodeValue}

export function defaultStatePath(dataDir: string): string {
  return join(dataDir, 'ledger.sqlite')
}

function resumeCommand(request: SessionRequest): string {
  const parts = ['cio-backfill resume', request.run.id]
  if (request.stateFlag) parts.push('--state', JSON.stringify(request.stateFlag))
  if (request.run.config.emulator) parts.push('--emulator')
  return parts.join(' ')
}

/**
 * Runs one session of a run the way a user sees it: signals (first Ctrl-C drains and exits 4, the
 * second exits at once), progress on stderr, and the summary at the end.
 */
export async function runSession(request: SessionRequest): Promise<SessionSummary> {
  const {run, target} = request
  const say = (line: string) => process.stderr.write(`${redact(line, target)}\n`)
  const command = resumeCommand(request)
  // Refuse early, before any output, when another live process holds the run.
  request.ledger.acquire(run.id)
  const interrupt = new AbortController()
  let signals = 0
  const onSignal = (signal: NodeJS.Signals) => {
    signals++
    if (signals === 1) {
      say(`\n${signal}: stopping; requests in flight are finishing (send it again to exit at once)`)
      interrupt.abort()
      return
    }

    say(`\n${signal} again: exiting now; the ledger is consistent.\nResume with: ${command}`)
    process.exit(4)
  }

  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  say(`Run ${run.id}: ${run.type} -> ${target.host} (site ${target.siteId}), ${run.api}, ${request.rate} req/s, ${request.concurrency} in flight`)
  const progress = createProgressReporter()
  try {
    const session = new ImportSession({
      ledger: request.ledger,
      run,
      target,
      rate: request.rate,
      concurrency: request.concurrency,
      interrupt: interrupt.signal,
      drainTimeoutMs: request.drainTimeoutSeconds * 1000,
      requestTimeoutMs: request.timeoutSeconds * 1000,
      benchNoLedger: request.benchNoLedger,
      onProgress: (snapshot) => progress.update(snapshot),
      resumeCommand: command,
    })
    const summary = await session.execute().then((s) => ({...s, exitCode: exitCodeForStatus(s.status)}))
    progress.update(session.snapshot())
    progress.stop()
    const answered = summary.rows.succeeded + summary.rows.failed
    if (summary.resumeCommand && !run.config.emulator && answered === 0 && (summary.status === 'auth_rejected' || summary.status === 'failed')) {
      say(`Nothing was acknowledged, so the run may go to a corrected target: ${command} --endpoint <Track API root> --site-id <site id>`)
    }
    if (summary.resumeCommand && !run.config.emulator) {
      say('Credentials are never stored: give them again to resume (--site-id/--api-key or CIO_SITE_ID/CIO_API_KEY).')
    }

    if (request.emulator) {
      const stats = request.emulator.inspect.stats()
      say(`Emulator ${request.emulator.url} received ${stats.requests.total} requests; it now holds ${stats.peopleCount} people and ${stats.eventCount} events.`)
    }

    if (!request.json) request.log(redact(summaryText(summary), target))
    return summary
  } finally {
    progress.stop()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
