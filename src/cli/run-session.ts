import {join} from 'node:path'

import type {RunningEmulator} from '../emulator/index.js'
import {ImportSession} from '../importer/import-session.js'
import {type ShardSpec, shardLabel} from '../importer/shard.js'
import type {RunSummary} from '../importer/summary.js'
import type {Ledger} from '../ledger/ledger.js'
import type {RunRecord} from '../ledger/records.js'
import {createProgressReporter} from '../reporting/progress-reporter.js'
import {summaryText} from '../reporting/summary-text.js'
import {redact, type TrackTarget} from '../target/track-target.js'
import type {OpenedBudget} from './budget.js'
import {exitCodeForStatus, type ExitCodeValue} from './exit-codes.js'

export interface SessionRequest {
  ledger: Ledger
  run: RunRecord
  target: TrackTarget
  emulator?: RunningEmulator
  rate: number
  concurrency: number
  /** A shared budget opened by the command (--budget); closed here when the session ends. */
  budget?: OpenedBudget
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

/** A shard's runs get their own ledger by default, so pods and processes never share a SQLite file. */
export function defaultStatePath(dataDir: string, shard?: ShardSpec | null): string {
  return join(dataDir, shard ? `ledger.shard-${shard.index}-of-${shard.count}.sqlite` : 'ledger.sqlite')
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
  const shard = run.config.shard ? `, shard ${shardLabel(run.config.shard)}` : ''
  const shared = request.budget ? ` shared through ${request.budget.shownUrl}` : ''
  say(`Run ${run.id}: ${run.type} -> ${target.host} (site ${target.siteId}), ${run.api}, ${request.rate} req/s${shared}, ${request.concurrency} in flight${shard}`)
  const progress = createProgressReporter()
  const holds = holdNotices(say)
  try {
    const session = new ImportSession({
      ledger: request.ledger,
      run,
      target,
      rate: request.rate,
      concurrency: request.concurrency,
      budget: request.budget?.budget,
      interrupt: interrupt.signal,
      drainTimeoutMs: request.drainTimeoutSeconds * 1000,
      requestTimeoutMs: request.timeoutSeconds * 1000,
      benchNoLedger: request.benchNoLedger,
      onProgress: (snapshot) => {
        holds(snapshot.budgetHold ?? null)
        progress.update(snapshot)
      },
      resumeCommand: command,
    })
    const summary = await session.execute().then((s) => ({...s, exitCode: exitCodeForStatus(s.status)}))
    progress.update(session.snapshot())
    progress.stop()
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
    await request.budget?.budget.close()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

/** One line when the budget starts holding sending back (e.g. Redis unreachable) and one when it lets go. */
function holdNotices(say: (line: string) => void): (hold: string | null) => void {
  let shown: string | null = null
  return (hold) => {
    if (hold === shown) return
    if (hold) say(`\n${hold}; sending is paused (never unpaced) and continues when it is back`)
    else say('\nbudget reachable again; sending continues')
    shown = hold
  }
}


