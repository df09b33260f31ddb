import {formatDuration} from './duration.js'
import {type LatencySummary, round} from './latency-histogram.js'
import type {LoadMetrics} from './metrics.js'
import type {Mix} from './mix.js'
import type {ApiVersion} from './operations.js'
import type {StagePlan} from './schedule.js'
import type {ThresholdResult} from './thresholds.js'

export interface StageSummary {
  index: number
  durationMs: number
  fromRate: number
  toRate: number
  /** Mean planned arrivals per second over the stage. */
  targetRate: number
  planned: number
  /** Operations started inside the stage's window (by actual send time). */
  sent: number
  dropped: number
  /** sent / stage duration. */
  achievedRate: number
}

/** The run's figures: printed as a table, returned under --json, and written by --summary-export. */
export interface LoadTestSummary {
  runId: string
  idPrefix: string
  target: {host: string; siteId: string}
  scenario: {
    api: ApiVersion
    batchSize: number
    startRate: number
    stages: string
    mix: Mix
    maxInFlight: number
    timeoutMs: number
    gracefulStopMs: number
    /** The shared rate budget the arrivals took permits from (--budget), or null. Never the URL. */
    budget: {key: string; rate: number} | null
  }
  /** When the arrivals' clock started (arrival times in the schedule are relative to it). */
  startedAt: string
  durationMs: number
  /** Why arrivals stopped early, or null when the schedule ran to its end. */
  aborted: null | 'threshold' | 'signal'
  operations: {
    planned: number
    sent: number
    completed: number
    ok: number
    errors: number
    rateLimited: number
    networkErrors: number
    timeouts: number
    dropped: number
    /** Of `dropped`: refused by the shared rate budget (--budget) rather than the in-flight cap. */
    droppedByBudget: number
    interrupted: number
    entryErrors: number
  }
  /** Fractions of completed operations. */
  errorRate: number
  rateLimitedRate: number
  /** Completed operations per status: "2xx", an HTTP code such as "429", "network_error" or "timeout". */
  byStatus: Record<string, number>
  latencyMs: LatencySummary
  scheduleLagMs: LatencySummary
  percentileMethod: string
  stages: StageSummary[]
  thresholds: ThresholdResult[]
  /** true when every threshold held. */
  passed: boolean
  runRecord: string
  peopleRecorded: number
}

const ratio = (part: number, whole: number) => (whole === 0 ? 0 : round(part / whole))

export function stageSummaries(plans: readonly StagePlan[], metrics: LoadMetrics): StageSummary[] {
  return plans.map((plan) => ({
    index: plan.index,
    durationMs: plan.durationMs,
    fromRate: plan.fromRate,
    toRate: plan.toRate,
    targetRate: round(plan.targetRate),
    planned: plan.arrivals,
    sent: metrics.stages[plan.index].sent,
    dropped: metrics.stages[plan.index].dropped,
    achievedRate: round(metrics.stages[plan.index].sent / (plan.durationMs / 1000)),
  }))
}

export function operationFigures(metrics: LoadMetrics, planned: number): LoadTestSummary['operations'] {
  return {
    planned,
    sent: metrics.sent,
    completed: metrics.completed,
    ok: metrics.ok,
    errors: metrics.errors,
    rateLimited: metrics.rateLimited,
    networkErrors: metrics.networkErrors,
    timeouts: metrics.timeouts,
    dropped: metrics.dropped,
    droppedByBudget: metrics.droppedByBudget,
    interrupted: metrics.interrupted,
    entryErrors: metrics.entryErrors,
  }
}

export function rates(metrics: LoadMetrics): Pick<LoadTestSummary, 'errorRate' | 'rateLimitedRate'> {
  return {errorRate: ratio(metrics.errors, metrics.completed), rateLimitedRate: ratio(metrics.rateLimited, metrics.completed)}
}

const pad = (text: string | number, width: number) => String(text).padStart(width)
const percent = (fraction: number) => `${(fraction * 100).toFixed(2)}%`

/**
 * The end-of-run table, k6-like: thresholds first, then latency, outcomes and stages. `cleanupHint`
 * is the line telling the user how to remove the run's people (the command knows the flags to repeat).
 */
export function renderSummary(summary: LoadTestSummary, cleanupHint = `remove them with: cio-backfill loadtest cleanup ${summary.runId}`): string {
  const ops = summary.operations
  const lat = summary.latencyMs
  const lag = summary.scheduleLagMs
  const lines: string[] = []
  lines.push(`load test ${summary.runId} against ${summary.target.host} (site ${summary.target.siteId}), api ${summary.scenario.api}`)
  lines.push(`stages ${summary.scenario.stages} from ${summary.scenario.startRate}/s, ran ${formatDuration(Math.round(summary.durationMs))}` +
    (summary.aborted ? `, aborted (${summary.aborted})` : ''))
  lines.push('', 'THRESHOLDS')
  if (summary.thresholds.length === 0) lines.push('  (none)')
  for (const t of summary.thresholds) {
    const observed = t.observed === null ? 'no samples' : String(round(t.observed))
    lines.push(`  ${t.ok ? '✓' : '✗'} ${t.metric} ${t.aggregation}${t.operator}${t.limit}   observed ${observed}`)
  }

  lines.push('', `LATENCY (ms, request sent to full response, ${lat.count} operations)`)
  lines.push(`  ${['p50', 'p90', 'p95', 'p99', 'max', 'avg', 'min'].map((h) => pad(h, 10)).join('')}`)
  lines.push(`  ${[lat.p50, lat.p90, lat.p95, lat.p99, lat.max, lat.avg, lat.min].map((v) => pad(v, 10)).join('')}`)
  lines.push(`  schedule lag p95 ${lag.p95} ms, max ${lag.max} ms`)
  lines.push('', 'OPERATIONS')
  lines.push(`  planned ${ops.planned}  sent ${ops.sent}  completed ${ops.completed}  dropped ${ops.dropped}${ops.droppedByBudget > 0 ? ` (${ops.droppedByBudget} by the budget)` : ''}  interrupted ${ops.interrupted}`)
  lines.push(`  ok ${ops.ok}  errors ${ops.errors} (${percent(summary.errorRate)})  429 ${ops.rateLimited} (${percent(summary.rateLimitedRate)})` +
    `  network errors ${ops.networkErrors} (timeouts ${ops.timeouts})` + (summary.scenario.api === 'v2' ? `  entry errors ${ops.entryErrors}` : ''))
  const statuses = Object.entries(summary.byStatus).sort(([a], [b]) => a.localeCompare(b))
  lines.push(`  by status: ${statuses.length === 0 ? '(none)' : statuses.map(([key, count]) => `${key}=${count}`).join('  ')}`)
  lines.push('', 'STAGES')
  lines.push(`  ${['stage', 'duration', 'rate from→to', 'target/s', 'achieved/s', 'planned', 'sent', 'dropped'].map((h) => pad(h, 13)).join('')}`)
  for (const s of summary.stages) {
    const row = [s.index + 1, formatDuration(s.durationMs), `${s.fromRate}→${s.toRate}`, s.targetRate, s.achievedRate, s.planned, s.sent, s.dropped]
    lines.push(`  ${row.map((cell) => pad(cell, 13)).join('')}`)
  }

  lines.push('', `people created: ${summary.peopleRecorded.toLocaleString('en-US')} (run record ${summary.runRecord})`)
  lines.push(cleanupHint)
  lines.push(summary.passed ? 'result: all thresholds passed' : 'result: THRESHOLDS FAILED')
  return lines.join('\n')
}
