import type {RunSummary} from '../importer/summary.js'

const n = (v: number) => new Intl.NumberFormat('en-US').format(v)

/** Counts right-aligned in one column, so a list of reasons reads as a table. */
function countColumn(counts: number[]): (v: number) => string {
  const width = Math.max(...counts.map((c) => n(c).length))
  return (v) => n(v).padStart(width)
}

/**
 * The human summary printed at the end of import and resume (the --json one is the object itself).
 * `retryCommand` is the import to run once the retry files are fixed (the CLI builds it).
 */
export function summaryText(s: RunSummary & {retryCommand?: string | null}): string {
  const lines = [
    `Run ${s.runId}: ${s.status.replaceAll('_', ' ')} in ${(s.durationMs / 1000).toFixed(1)}s`,
    `  rows:     ${n(s.rows.read)} read, ${n(s.rows.succeeded)} succeeded, ${n(s.rows.failed)} failed, ${n(s.rows.invalid)} invalid`,
    `  requests: ${n(s.requests.sent)} sent, ${n(s.requests.throttled)} throttled (429), ${n(s.requests.retried)} retried`,
  ]
  if (s.repaired > 0) {
    lines.push(`  repaired: ${n(s.repaired)} people sent their last row again (an attempt had timed out or was cut, and may have landed late)`)
  }

  if (s.files.length > 1) {
    for (const f of s.files) {
      lines.push(`  ${f.path}: ${n(f.rows.succeeded)} succeeded, ${n(f.rows.failed)} failed, ${n(f.rows.invalid)} invalid${f.done ? '' : ' (not finished)'}`)
    }
  }

  if (s.failuresByRule.length > 0) {
    lines.push(`  problems: ${s.failuresByRule.map((r) => `${r.rule} ${n(r.count)}`).join(', ')}`)
  }

  if (s.rejectionsByReason.length > 0) {
    const rejected = s.failuresByRule.find((r) => r.rule === 'rejected_by_api')?.count ?? 0
    const shown = s.rejectionsByReason.reduce((sum, r) => sum + r.count, 0)
    const count = countColumn(s.rejectionsByReason.map((r) => r.count))
    lines.push(`  rejected by Customer.io, by reason:`)
    for (const r of s.rejectionsByReason) lines.push(`    ${count(r.count)}  ${r.reason}`)
    if (rejected > shown) lines.push(`    ${n(rejected - shown)} more with other reasons (runs show ${s.runId} lists the rules; the retry file has every row's reason)`)
  }

  for (const f of s.files) if (f.retryFile) lines.push(`  retry file: ${f.retryFile}`)
  if (s.retryCommand) {
    lines.push(`  next: fix the rows in the retry file (each row's reason is in its _error column), then send them with:`)
    lines.push(`    ${s.retryCommand}`)
  }

  if (s.error) lines.push(`  stopped: ${s.error}`)
  lines.push(`  ledger: ${s.statePath}`)
  if (s.resumeCommand) lines.push(`  resume with: ${s.resumeCommand}`)
  return lines.join('\n')
}
