import {LatencyHistogram} from './latency-histogram.js'
import type {StagePlan} from './schedule.js'

/** How one operation ended. */
export type OutcomeKind = 'ok' | 'http_error' | 'network_error' | 'timeout'

export interface Outcome {
  kind: OutcomeKind
  /** HTTP status for http_error; undefined otherwise (customerio-node only exposes it on non-2xx). */
  status?: number
  latencyMs: number
  /** v2 only: entries a 207 response listed as rejected. */
  entryErrors: number
}

/** The status bucket an outcome is counted under in `byStatus`. */
export function statusKey(outcome: Outcome): string {
  if (outcome.kind === 'ok') return '2xx'
  if (outcome.kind === 'http_error') return String(outcome.status)
  return outcome.kind
}

/** errors as k6 counts http_req_failed: any status >= 400 (429 included) and every request with no response. */
export function isError(outcome: Outcome): boolean {
  return outcome.kind !== 'ok' && !(outcome.kind === 'http_error' && (outcome.status ?? 0) < 400)
}

/** Why an arrival was not started: the in-flight cap was full, or the shared rate budget said no. */
export type DropReason = 'max_in_flight' | 'budget'

interface StageCounters {
  sent: number
  dropped: number
}

/** Every figure of a run, updated as arrivals start and operations complete. */
export class LoadMetrics {
  readonly latency = new LatencyHistogram()
  readonly lag = new LatencyHistogram()
  readonly byStatus = new Map<string, number>()
  readonly stages: StageCounters[]
  sent = 0
  completed = 0
  ok = 0
  errors = 0
  rateLimited = 0
  networkErrors = 0
  timeouts = 0
  dropped = 0
  /** Of `dropped`: arrivals the shared rate budget refused (--budget). */
  droppedByBudget = 0
  interrupted = 0
  entryErrors = 0
  private readonly recentSends: number[] = []

  constructor(private readonly plans: readonly StagePlan[]) {
    this.stages = plans.map(() => ({sent: 0, dropped: 0}))
  }

  get inFlight(): number {
    return this.sent - this.completed - this.interrupted
  }

  /** Stage whose window contains `atMs`; sends that slip past the last stage count towards it. */
  stageAt(atMs: number): number {
    for (let i = this.plans.length - 1; i >= 0; i--) if (atMs >= this.plans[i].startMs) return i
    return 0
  }

  recordSent(atMs: number, lagMs: number): void {
    this.sent++
    this.stages[this.stageAt(atMs)].sent++
    this.lag.recordMs(lagMs)
    this.recentSends.push(atMs)
  }

  recordDropped(atMs: number, reason: DropReason = 'max_in_flight'): void {
    this.dropped++
    if (reason === 'budget') this.droppedByBudget++
    this.stages[this.stageAt(atMs)].dropped++
  }

  recordOutcome(outcome: Outcome): void {
    this.completed++
    this.latency.recordMs(outcome.latencyMs)
    const key = statusKey(outcome)
    this.byStatus.set(key, (this.byStatus.get(key) ?? 0) + 1)
    this.entryErrors += outcome.entryErrors
    if (outcome.kind === 'ok') this.ok++
    if (isError(outcome)) this.errors++
    if (outcome.status === 429) this.rateLimited++
    if (outcome.kind === 'network_error' || outcome.kind === 'timeout') this.networkErrors++
    if (outcome.kind === 'timeout') this.timeouts++
  }

  recordInterrupted(count: number): void {
    this.interrupted += count
  }

  /** Operations started during the last second before `nowMs`. */
  currentRate(nowMs: number): number {
    while (this.recentSends.length > 0 && this.recentSends[0] <= nowMs - 1000) this.recentSends.shift()
    return this.recentSends.length
  }

  /** Reads an aggregation for thresholds; `elapsedSeconds` turns counters into k6's per-second rate. */
  read(metric: string, aggregation: string, percentile: number | undefined, elapsedSeconds: number): number | undefined {
    if (metric === 'http_req_duration') return this.latency.aggregateMs(aggregation, percentile)
    if (metric === 'schedule_lag') return this.lag.aggregateMs(aggregation, percentile)
    if (metric === 'http_req_failed') return this.completed === 0 ? undefined : this.errors / this.completed
    if (metric === 'http_429_rate') return this.completed === 0 ? undefined : this.rateLimited / this.completed
    const counters: Record<string, number> = {
      errors: this.errors,
      http_429: this.rateLimited,
      network_errors: this.networkErrors,
      timeouts: this.timeouts,
      dropped_iterations: this.dropped,
      budget_refused: this.droppedByBudget,
      entry_errors: this.entryErrors,
    }
    const count = counters[metric]
    if (count === undefined) return undefined
    if (aggregation === 'count') return count
    return elapsedSeconds > 0 ? count / elapsedSeconds : 0
  }
}
