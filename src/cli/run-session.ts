import {join} from 'node:path'

import type {RunningEmulator} from '../emulator/index.js'
import {ImportSession} from '../importer/import-session.js'
import {type ShardSpec, shardLabel} from '../importer/shard.js'
import type {RunSummary} from '../importer/summary.js'
import type {Ledger} from '../ledger/ledger.js'
import type {RunRecord} from '../ledger/records.js'
import {countOf} from '../reporting/counts-text.js'
import {createProgressReporter} from '../reporting/progress-reporter.js'
import {summaryText} from '../reporting/summary-text.js'
import {redact, type TrackTarget} from '../target/track-target.js'
import type {OpenedBudget} from './budget.js'
import {exitCodeForStatus, type ExitCodeValue} from './exit-codes.js'
import {retryImportCommand} from './next-command.js'
import {type RehearsalSummary, rehearsalLine, rehearsalReportPath, writeRehearsalReport} from './rehearsal-report.js'
import {onOutputBroken, writeOrTerminal} from './terminal-output.js'
import {verboseExchangeLogger} from './verbose-log.js'

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
  /** --break-lock: take the run even from a holder that looks alive. */
  breakLock?: boolean
  /** The --state given by the user, if any, for the resume command. */
  stateFlag?: string
  json: boolean
  /** The banner was printed already (import prints it before spooling stdin). */
  announced?: boolean
  /** --quiet: no banner and no progress on stderr; the summary and errors still print. */
  quiet?: boolean
  /** --verbose: one stderr line per HTTP attempt (instead of the progress display). */
  verbose?: boolean
}

/**
 * What import and resume print with --json: the engine's summary, the exit code the CLI gives it,
 * when rows failed the import to run on the fixed retry files, and, when the run went to an emulator
 * started for it, what production would have done silently.
 */
export type SessionSummary = RunSummary & {exitCode: ExitCodeValue; retryCommand: string | null; rehearsal?: RehearsalSummary}

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

/** The first line of every session: which run goes where, how fast. */
export function announceRun(
  run: Pick<RunRecord, 'id' | 'type' | 'api'>,
  target: TrackTarget,
  rate: number,
  concurrency: number,
  scale: {shard?: ShardSpec | null; sharedThrough?: string} = {},
): void {
  const shard = scale.shard ? `, shard ${shardLabel(scale.shard)}` : ''
  const shared = scale.sharedThrough ? ` shared through ${scale.sharedThrough}` : ''
  const line = `Run ${run.id}: ${run.type} -> ${target.host} (site ${target.siteId}), ${run.api}, ${rate} req/s${shared}, ${concurrency} in flight${shard}`
  writeOrTerminal(process.stderr, `${redact(line, target)}\n`)
}

/**
 * Runs one session of a run the way a user sees it: signals (first Ctrl-C drains and exits 4, the
 * second exits at once), progress on stderr, and the summary at the end. A reader of stdout or
 * stderr going away (EPIPE) is an interruption too; the rest of the output then goes to the terminal.
 */
export async function runSession(request: SessionRequest): Promise<SessionSummary> {
  const {run, target} = request
  const say = (line: string) => writeOrTerminal(process.stderr, `${redact(line, target)}\n`)
  const command = resumeCommand(request)
  // Refuse early, before any output, when another live process holds the run.
  await request.ledger.acquire(run.id, {breakLock: request.breakLock, onWait: say})
  const interrupt = new AbortController()
  const progress = request.quiet || request.verbose ? {update() {}, stop() {}} : createProgressReporter()
  let signals = 0
  const onSignal = (signal: NodeJS.Signals) => {
    signals++
    // The progress line ends before any message, so nothing redraws over what follows.
    progress.stop()
    if (signals === 1) {
      say(`${signal}: stopping; requests in flight are finishing (send it again to exit at once)`)
      interrupt.abort()
      return
    }

    say(`${signal} again: exiting now; the ledger is consistent.\nResume with: ${command}`)
    process.exit(4)
  }

  const stopWatchingOutput = onOutputBroken(() => {
    progress.stop()
    interrupt.abort()
  })
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // On a terminal the progress line itself says PAUSED; logs and pipes get a line when it starts and ends.
  const holds = process.stderr.isTTY ? () => {} : holdNotices(say)
  try {
    if (!request.announced && !request.quiet) {
      announceRun(run, target, request.rate, request.concurrency, {shard: run.config.shard, sharedThrough: request.budget?.shownUrl})
    }
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
      onExchange: request.verbose ? verboseExchangeLogger(target, say) : undefined,
      resumeCommand: command,
    })
    const summary: SessionSummary = await session.execute().then((s) => ({
      ...s,
      exitCode: exitCodeForStatus(s.status),
      retryCommand: retryImportCommand(run, s, request.stateFlag),
    }))
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
      // The rehearsal's findings are part of the summary (and --json) even when --quiet keeps stderr short.
      const first = request.ledger.runFiles(run.id)[0]
      summary.rehearsal = await writeRehearsalReport(request.emulator, request.ledger, run, rehearsalReportPath(first?.displayPath ?? 'input', run.id))
      if (!request.quiet) {
        const stats = request.emulator.inspect.stats()
        const held = `${countOf(stats.peopleCount, 'person', 'people')} and ${countOf(stats.eventCount, 'event')}`
        say(`Emulator ${request.emulator.url} received ${countOf(stats.requests.total, 'request')}; it now holds ${held}.`)
        const where = summary.rehearsal.reportFile ? `; one line each in ${summary.rehearsal.reportFile}` : ''
        say(`Rehearsal (production answers these 200 and says nothing): ${rehearsalLine(summary.rehearsal)}${where}`)
      }
    }

    if (!request.json) writeOrTerminal(process.stdout, `${redact(summaryText(summary), target)}\n`)
    return summary
  } finally {
    progress.stop()
    stopWatchingOutput()
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
    if (hold) say(`${hold}; sending is paused (never unpaced) and continues when it is back`)
    else say('budget reachable again; sending continues')
    shown = hold
  }
}


