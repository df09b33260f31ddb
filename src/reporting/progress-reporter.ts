import cliProgress from 'cli-progress'

import type {ProgressSnapshot} from '../importer/progress-snapshot.js'

export interface ProgressReporter {
  update(snapshot: ProgressSnapshot): void
  stop(): void
}

const fmt = new Intl.NumberFormat('en-US', {maximumFractionDigits: 0})
const fmt1 = new Intl.NumberFormat('en-US', {maximumFractionDigits: 1})

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

/**
 * Rates over the last ten seconds, not since the start, so a throttled run reads true; until there
 * are two samples a second apart, this session's average (a resumed run's earlier rows excluded).
 */
class RecentRate {
  private samples: Array<{t: number; rows: number; requests: number; bytes: number}> = []

  add(s: ProgressSnapshot): {rowsPerSec: number; requestsPerSec: number; etaMs: number | null} {
    const sample = {t: s.elapsedMs, rows: s.rowsDone, requests: s.requestsSent, bytes: s.bytesRead}
    this.samples.push(sample)
    while (this.samples.length > 2 && sample.t - this.samples[0].t > 10_000) this.samples.shift()
    const first = this.samples[0]
    const dt = (sample.t - first.t) / 1000
    if (dt < 1) {
      const session = Math.max(s.elapsedMs, 1) / 1000
      return {rowsPerSec: s.sessionRows / session, requestsPerSec: s.sessionRequests / session, etaMs: null}
    }

    const bytesPerSec = (sample.bytes - first.bytes) / dt
    const etaMs = s.totalBytes && bytesPerSec > 0 ? ((s.totalBytes - s.bytesRead) / bytesPerSec) * 1000 : null
    return {rowsPerSec: (sample.rows - first.rows) / dt, requestsPerSec: (sample.requests - first.requests) / dt, etaMs}
  }
}

function statusLine(s: ProgressSnapshot, r: ReturnType<RecentRate['add']>): string {
  const pct = s.totalBytes ? ` ${fmt1.format((100 * s.bytesRead) / s.totalBytes)}%` : ''
  const eta = r.etaMs === null ? '' : ` | ETA ${formatDuration(r.etaMs)}`
  return (
    `[${formatDuration(s.elapsedMs)}]${pct} ${fmt.format(s.rowsDone)} rows (${fmt.format(r.rowsPerSec)}/s)` +
    ` | ${fmt.format(s.requestsSent)} requests (${fmt1.format(r.requestsPerSec)}/s)` +
    ` | 429s ${fmt.format(s.throttled)} | failed ${fmt.format(s.failed)} | invalid ${fmt.format(s.invalid)}${eta}`
  )
}

/** A bar on a terminal; elsewhere (CI, pipes, logs) one plain line every few seconds. Both on stderr. */
export function createProgressReporter(stream: NodeJS.WriteStream = process.stderr, plainEveryMs = 5000): ProgressReporter {
  const rates = new RecentRate()
  if (stream.isTTY && process.env.TERM !== 'dumb') {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: '{bar} {pct}% | {rows} rows | {rowsPerSec} rows/s | {reqPerSec} req/s | 429s {throttled} | failed {failed} | invalid {invalid} | ETA {timeLeft}',
        hideCursor: true,
        gracefulExit: false,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    )
    let started = false
    return {
      update(s) {
        const r = rates.add(s)
        const payload = {
          pct: s.totalBytes ? fmt1.format((100 * s.bytesRead) / s.totalBytes) : '?',
          rows: fmt.format(s.rowsDone),
          rowsPerSec: fmt.format(r.rowsPerSec),
          reqPerSec: fmt1.format(r.requestsPerSec),
          throttled: fmt.format(s.throttled),
          failed: fmt.format(s.failed),
          invalid: fmt.format(s.invalid),
          // Not `eta`: cli-progress's own tokens override payload keys of the same name.
          timeLeft: r.etaMs === null ? '--' : formatDuration(r.etaMs),
        }
        const total = s.totalBytes ?? Math.max(1, s.bytesRead)
        if (started) {
          bar.setTotal(total)
          bar.update(s.bytesRead, payload)
        } else {
          bar.start(total, s.bytesRead, payload)
          started = true
        }
      },
      stop() {
        if (started) bar.stop()
      },
    }
  }

  let lastPrint = -Infinity
  return {
    update(s) {
      const r = rates.add(s)
      if (s.elapsedMs - lastPrint < plainEveryMs) return
      lastPrint = s.elapsedMs
      stream.write(`${statusLine(s, r)}\n`)
    },
    stop() {},
  }
}
