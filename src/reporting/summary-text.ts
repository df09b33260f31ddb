import type {RunSummary} from '../importer/summary.js'

const n = (v: number) => new Intl.NumberFormat('en-US').format(v)

/** The human summary printed at the end of import and resume (the --json one is the object itself). */
export function summaryText(s: RunSummary): string {
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

  for (const f of s.files) if (f.retryFile) lines.push(`  retry file: ${f.retryFile}`)
  if (s.error) lines.push(`  stopped: ${s.error}`)
  lines.push(`  ledger: ${s.statePath}`)
  if (s.resumeCommand) lines.push(`  resume with: ${s.resumeCommand}`)
  return lines.join('\n')
}
