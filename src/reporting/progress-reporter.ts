import type {ProgressSnapshot} from '../importer/progress-snapshot.js'
import {countOf} from './counts-text.js'
import {fitStatusLine, type StatusField, TerminalLine} from './terminal-line.js'

export interface ProgressReporter {
  update(snapshot: ProgressSnapshot): void
  /**
   * Ends the display for good: the last line drawn stays on screen and the cursor is on a fresh
   * line, so whatever is printed next starts clean; later updates are ignored. Safe to call twice.
   */
  stop(): void
}

const fmt = new Intl.NumberFormat('en-US', {maximumFractionDigits: 0})
const fmt1 = new Intl.NumberFormat('en-US', {maximumFractionDigits: 1})

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

interface Rates {
  rowsPerSec: number
  requestsPerSec: number
  etaMs: number | null
}

/**
 * Rates over the last ten seconds, not since the start, so a throttled run reads true; until there
 * are two samples a second apart, this session's average (a resumed run's earlier rows excluded).
 * The ETA follows acknowledged bytes (the settled offset), not bytes read: the reader runs ahead of
 * what Customer.io has answered, by up to a read chunk and the batches in flight.
 */
class RecentRate {
  private samples: Array<{t: number; rows: number; requests: number; bytes: number}> = []

  add(s: ProgressSnapshot): Rates {
    const sample = {t: s.elapsedMs, rows: s.rowsDone, requests: s.requestsSent, bytes: s.bytesSettled}
    this.samples.push(sample)
    while (this.samples.length > 2 && sample.t - this.samples[0].t > 10_000) this.samples.shift()
    const first = this.samples[0]
    const dt = (sample.t - first.t) / 1000
    if (dt < 1) {
      const session = Math.max(s.elapsedMs, 1) / 1000
      return {rowsPerSec: s.sessionRows / session, requestsPerSec: s.sessionRequests / session, etaMs: null}
    }

    const bytesPerSec = (sample.bytes - first.bytes) / dt
    const etaMs = s.totalBytes && bytesPerSec > 0 ? (Math.max(0, s.totalBytes - s.bytesSettled) / bytesPerSec) * 1000 : null
    return {rowsPerSec: (sample.rows - first.rows) / dt, requestsPerSec: (sample.requests - first.requests) / dt, etaMs}
  }
}

/** Share of the input acknowledged, 0..1, or null when the size is unknown. */
function doneFraction(s: ProgressSnapshot): number | null {
  if (!s.totalBytes) return null
  return Math.min(1, Math.max(0, s.bytesSettled / s.totalBytes))
}

function percent(fraction: number): string {
  return `${fmt1.format(100 * fraction)}%`
}

/** The line written to logs and pipes: every figure, one line every few seconds. */
function plainLine(s: ProgressSnapshot, r: Rates): string {
  const fraction = doneFraction(s)
  const pct = fraction === null ? '' : ` ${percent(fraction)}`
  const eta = r.etaMs === null ? '' : ` | ETA ${formatDuration(r.etaMs)}`
  return (
    `[${formatDuration(s.elapsedMs)}]${pct} ${fmt.format(s.rowsDone)} rows (${fmt.format(r.rowsPerSec)}/s)` +
    ` | ${countOf(s.requestsSent, 'request')} (${fmt1.format(r.requestsPerSec)}/s)` +
    ` | 429s ${fmt.format(s.throttled)} | failed ${fmt.format(s.failed)} | invalid ${fmt.format(s.invalid)}${eta}` +
    (s.budgetHold ? ` | PAUSED: ${s.budgetHold}` : '')
  )
}

/**
 * The fields of the terminal line, most important last to go: the percentage, rows, failed,
 * invalid and ETA always stay; the request rate, 429s and row rate give way first on a narrow
 * terminal, then the bar.
 */
function ttyFields(s: ProgressSnapshot, r: Rates): StatusField[] {
  const fraction = doneFraction(s)
  const fields: StatusField[] = []
  if (fraction !== null) fields.push({text: percent(fraction)})
  fields.push(
    {text: `${fmt.format(s.rowsDone)} rows`, detail: ` (${fmt.format(r.rowsPerSec)}/s)`, dropOrder: 3},
    {text: `${fmt1.format(r.requestsPerSec)} req/s`, dropOrder: 1},
    {text: `429s ${fmt.format(s.throttled)}`, dropOrder: 2},
    {text: `failed ${fmt.format(s.failed)}`},
    {text: `invalid ${fmt.format(s.invalid)}`},
  )
  if (fraction !== null) {
    const eta = fraction >= 1 ? '0s' : r.etaMs === null ? '--' : formatDuration(r.etaMs)
    fields.push({text: `ETA ${eta}`})
  }
  // The shared budget holds sending back (Redis unreachable): the line says so while it lasts.
  if (s.budgetHold) fields.push({text: 'PAUSED', detail: `: ${s.budgetHold}`, dropOrder: 4})
  return fields
}

function isTerminal(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && process.env.TERM !== 'dumb'
}

/** A line redrawn in place on a terminal; elsewhere (CI, pipes, logs) one plain line every few seconds. Both on stderr. */
export function createProgressReporter(stream: NodeJS.WriteStream = process.stderr, plainEveryMs = 5000): ProgressReporter {
  const rates = new RecentRate()
  if (isTerminal(stream)) {
    const line = new TerminalLine(stream)
    return {
      update(s) {
        const r = rates.add(s)
        line.draw(fitStatusLine(ttyFields(s, r), doneFraction(s), line.width))
      },
      stop: () => line.end(),
    }
  }

  let lastPrint = -Infinity
  let stopped = false
  return {
    update(s) {
      const r = rates.add(s)
      if (stopped || s.elapsedMs - lastPrint < plainEveryMs) return
      lastPrint = s.elapsedMs
      stream.write(`${plainLine(s, r)}\n`)
    },
    stop() {
      stopped = true
    },
  }
}

export interface SpoolReporter {
  update(bytes: number): void
  stop(): void
}

function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`
  if (bytes < 1e6) return `${fmt1.format(bytes / 1e3)} kB`
  if (bytes < 1e9) return `${fmt1.format(bytes / 1e6)} MB`
  return `${fmt1.format(bytes / 1e9)} GB`
}

/**
 * While stdin is copied to its spool file (a run must be resumable, and a pipe cannot be read
 * twice), how much has arrived: redrawn on a terminal, a line every few seconds elsewhere, and one
 * closing line either way.
 */
export function createSpoolReporter(stream: NodeJS.WriteStream = process.stderr, plainEveryMs = 5000): SpoolReporter {
  const started = performance.now()
  const tty = isTerminal(stream)
  const line = tty ? new TerminalLine(stream) : null
  let bytes = 0
  let lastShown = -Infinity
  let stopped = false
  const text = () => {
    const elapsed = performance.now() - started
    const rate = elapsed >= 1000 ? ` (${formatBytes((bytes * 1000) / elapsed)}/s)` : ''
    return `stdin: ${formatBytes(bytes)} read${rate}, copied aside so the run can be resumed; sending starts when it ends`
  }

  return {
    update(total) {
      bytes = total
      const now = performance.now()
      if (stopped || now - lastShown < (tty ? 200 : plainEveryMs)) return
      lastShown = now
      if (line) line.draw(fitStatusLine([{text: text()}], null, line.width))
      else stream.write(`[${formatDuration(now - started)}] ${text()}\n`)
    },
    stop() {
      if (stopped) return
      stopped = true
      const done = `stdin: ${formatBytes(bytes)} read in ${formatDuration(performance.now() - started)}`
      if (line) {
        line.draw(done)
        line.end()
      } else stream.write(`${done}\n`)
    },
  }
}

export interface ReadProgress {
  file: string
  rows: number
  bytesRead: number
  totalBytes: number | null
}

export interface ReadingReporter {
  update(progress: ReadProgress): void
  /** Erases the line (the report follows in its place). */
  clear(): void
}

/**
 * validate's progress: one line redrawn a few times a second from the latest figures, so it stays
 * true while the input stalls (a slow pipe). Only on a terminal: null elsewhere, so pipes and logs
 * get just the report.
 */
export function createReadingReporter(stream: NodeJS.WriteStream = process.stderr, everyMs = 250): ReadingReporter | null {
  if (!isTerminal(stream)) return null
  let latest: ReadProgress | null = null
  let drawn: string | null = null
  const draw = () => {
    if (!latest) return
    const percent = latest.totalBytes ? ` (${Math.min(100, Math.floor((100 * latest.bytesRead) / latest.totalBytes))}%)` : ''
    const text = fitStatusLine([{text: `validating ${latest.file}: ${fmt.format(latest.rows)} rows${percent}`}], null, stream.columns || 80)
    if (text === drawn) return
    stream.write(`\r${text}\u001B[K`)
    drawn = text
  }

  const timer = setInterval(draw, everyMs).unref()
  return {
    update(progress) {
      const first = latest === null
      latest = progress
      if (first) draw()
    },
    clear() {
      clearInterval(timer)
      if (drawn !== null) stream.write('\r\u001B[K')
      drawn = null
      latest = null
    },
  }
}
