import {performance} from 'node:perf_hooks'

import {createTrackClient, type TrackTarget} from '../target/track-target.js'
import {ArrivalLoop} from './arrival-loop.js'
import {LoadMetrics, type Outcome} from './metrics.js'
import type {Mix} from './mix.js'
import {type ApiVersion, type Operation, OperationFactory, executeOperation} from './operations.js'
import {preflight} from './preflight.js'
import {RunRecorder} from './run-recorder.js'
import {arrivalSchedule, planStages, rateAt, totalArrivals} from './schedule.js'
import {type Stage, formatStages, totalDurationMs} from './stages.js'
import {type LoadTestSummary, operationFigures, rates, stageSummaries} from './summary.js'
import {type Threshold, type ThresholdResult, evaluateThresholds} from './thresholds.js'
import type {LiveFigures} from './live-display.js'
import type {RateBudget} from '../sending/rate-budget.js'

export interface LoadTestOptions {
  target: TrackTarget
  runId: string
  startRate: number
  stages: Stage[]
  mix: Mix
  api: ApiVersion
  batchSize: number
  maxInFlight: number
  thresholds: Threshold[]
  abortOnFail: boolean
  timeoutMs: number
  gracefulStopMs: number
  /** Directory of run records (the CLI's data dir + /loadtests, or --state-dir). */
  stateDir: string
  /** Aborting it stops new arrivals (Ctrl-C); in-flight operations still get the graceful stop. */
  signal?: AbortSignal
  /** Threshold check period during the run (k6: 2 s). */
  checkIntervalMs?: number
  /** Called once the run has started, with a reader for the live display. */
  onStart?: (read: () => LiveFigures) => void
  /**
   * A rate budget shared with other senders (--budget): each arrival takes a permit without waiting,
   * and one refused is dropped and counted ("budget"), so the schedule stays open-model.
   */
  budget?: {permits: RateBudget; key: string; rate: number}
  /** One-off notices worth a line on stderr (k6 prints "Insufficient VUs" the same way). */
  onWarning?: (message: string) => void
}

/**
 * Run one open-model load test and return its summary. Checks the credentials first (PreflightError),
 * writes the run record before the first arrival and keeps it current, so cleanup works even if the
 * process dies mid-run.
 */
export async function runLoadTest(options: LoadTestOptions): Promise<LoadTestSummary> {
  const now = () => performance.now()
  const plans = planStages(options.startRate, options.stages)
  const planned = totalArrivals(options.startRate, options.stages)
  const totalMs = totalDurationMs(options.stages)
  const idPrefix = `lt-${options.runId}-`
  const metrics = new LoadMetrics(plans)
  const factory = new OperationFactory({
    runId: options.runId,
    idPrefix,
    api: options.api,
    batchSize: options.api === 'v2' ? options.batchSize : 1,
    mix: options.mix,
  })
  const recorder = new RunRecorder(options.stateDir, {
    version: 1,
    runId: options.runId,
    idPrefix,
    host: options.target.host,
    siteId: options.target.siteId,
    api: options.api,
    status: 'running',
    startedAt: new Date().toISOString(),
    plannedSeqMax: planned * (options.api === 'v2' ? options.batchSize : 1),
    lastSeq: 0,
    createdRanges: [],
    createdCount: 0,
  }, () => factory.lastSeq)
  const client = createTrackClient(options.target, {timeoutMs: options.timeoutMs})
  // The credential check is a request like any other: under a shared budget it takes a permit too.
  await options.budget?.permits.acquire(options.signal ?? new AbortController().signal)
  await preflight(options.target)
  // Written before the first request: no record, no cleanup, so no run.
  await recorder.save()
  const stop = new AbortController()
  let aborted: LoadTestSummary['aborted'] = null
  const onExternalAbort = () => {
    aborted ??= 'signal'
    stop.abort()
  }

  options.signal?.addEventListener('abort', onExternalAbort, {once: true})
  if (options.signal?.aborted) onExternalAbort()

  const budget = options.budget?.permits
  const start = (sentAtMs: number, lagMs: number) => {
    metrics.recordSent(sentAtMs, lagMs)
    const operation = factory.next()
    recorder.sent(operation)
    return executeOperation(client, operation, now).then((outcome) => {
      // The budget's 429 state is shared: a throttled load test slows the imports beside it, and back.
      if (outcome.status === 429) budget?.throttled(null)
      else if (outcome.kind === 'ok') budget?.succeeded()
      return {operation, outcome}
    })
  }

  let budgetWarned = false
  const refused = (atMs: number) => {
    if (!budgetWarned) {
      budgetWarned = true
      options.onWarning?.(
        `the shared rate budget (${options.budget!.key}, ${options.budget!.rate}/s) refused an arrival at ${(atMs / 1000).toFixed(1)} s: ` +
          'refused arrivals are dropped and counted as "budget" (the schedule never waits for a permit).' +
          (budget?.holdReason ? ` ${budget.holdReason}` : ''),
      )
    }

    metrics.recordDropped(atMs, 'budget')
    return null
  }

  const loop = new ArrivalLoop<{operation: Operation; outcome: Outcome} | null>({
    schedule: arrivalSchedule(options.startRate, options.stages),
    maxInFlight: options.maxInFlight,
    now,
    signal: stop.signal,
    launch(_arrival, sentAtMs, lagMs) {
      if (!budget) return start(sentAtMs, lagMs)
      return budget.tryAcquire().then((granted) => (granted ? start(sentAtMs, lagMs) : refused(sentAtMs)))
    },
    onSettled(result) {
      if (!result) return
      metrics.recordOutcome(result.outcome)
      recorder.settled(result.operation, result.outcome)
    },
    onDropped(_arrival, atMs) {
      if (metrics.dropped === metrics.droppedByBudget) {
        options.onWarning?.(
          `--max-in-flight ${options.maxInFlight} reached at ${(atMs / 1000).toFixed(1)} s: arrivals are being dropped (dropped_iterations). ` +
            'At the start this means the cap is too small (size it as rate x latency + margin); later, that the target slowed down.',
        )
      }

      metrics.recordDropped(atMs)
    },
  })

  const elapsedSeconds = () => (now() - loop.startedAt) / 1000
  let latest: ThresholdResult[] = []
  const check = (final = false) => {
    latest = evaluateThresholds(options.thresholds, (metric, aggregation, percentile) =>
      metrics.read(metric, aggregation, percentile, elapsedSeconds()),
    )
    if (!final && options.abortOnFail && latest.some((result) => !result.ok) && !stop.signal.aborted) {
      aborted = 'threshold'
      stop.abort()
    }
  }

  const ticker = setInterval(() => {
    check()
    recorder.saveInBackground()
  }, options.checkIntervalMs ?? 2000)

  options.onStart?.(() => ({
    elapsedMs: now() - loop.startedAt,
    totalMs,
    // Clamped so the final line shows the last stage's rate rather than 0.
    targetRate: rateAt(plans, Math.min(now() - loop.startedAt, totalMs - 1)),
    currentRate: metrics.currentRate(now() - loop.startedAt),
    inFlight: loop.inFlightCount,
    p95Ms: metrics.latency.percentileMs(95),
    errors: metrics.errors,
    rateLimited: metrics.rateLimited,
    dropped: metrics.dropped,
    droppedByBudget: metrics.droppedByBudget,
    budgetHold: budget?.holdReason ?? null,
    failedThresholds: latest.filter((result) => !result.ok).length,
  }))

  let runEnd: number
  try {
    await loop.run()
    metrics.recordInterrupted(await loop.drain(options.gracefulStopMs))
    runEnd = now()
  } finally {
    clearInterval(ticker)
    options.signal?.removeEventListener('abort', onExternalAbort)
  }

  check(true)
  const recordFile = await recorder.finish()

  return {
    runId: options.runId,
    idPrefix,
    target: {host: options.target.host, siteId: options.target.siteId},
    scenario: {
      api: options.api,
      batchSize: options.api === 'v2' ? options.batchSize : 1,
      startRate: options.startRate,
      stages: formatStages(options.stages),
      mix: options.mix,
      maxInFlight: options.maxInFlight,
      timeoutMs: options.timeoutMs,
      gracefulStopMs: options.gracefulStopMs,
      budget: options.budget ? {key: options.budget.key, rate: options.budget.rate} : null,
    },
    startedAt: new Date(loop.startedAtEpochMs).toISOString(),
    durationMs: Math.round(runEnd - loop.startedAt),
    aborted,
    operations: operationFigures(metrics, planned),
    ...rates(metrics),
    byStatus: Object.fromEntries(metrics.byStatus),
    latencyMs: metrics.latency.summary(),
    scheduleLagMs: metrics.lag.summary(),
    percentileMethod: 'HDR histogram, nearest rank, 3 significant digits (values recorded in whole microseconds)',
    stages: stageSummaries(plans, metrics),
    thresholds: latest,
    passed: latest.every((result) => result.ok),
    runRecord: recordFile,
    peopleRecorded: recorder.peopleRecorded,
  }
}
