import {performance} from 'node:perf_hooks'

import {createTrackClient, type TrackTarget} from '../target/track-target.js'
import {ArrivalLoop} from './arrival-loop.js'
import {LoadMetrics, type Outcome} from './metrics.js'
import type {Mix} from './mix.js'
import {type ApiVersion, type Operation, OperationFactory, executeOperation} from './operations.js'
import {type RunRecord, writeRunRecord} from './run-record.js'
import {arrivalSchedule, planStages, rateAt, totalArrivals} from './schedule.js'
import {SequenceRanges} from './sequence-ranges.js'
import {type Stage, formatStages, totalDurationMs} from './stages.js'
import {type LoadTestSummary, operationFigures, rates, stageSummaries} from './summary.js'
import {type Threshold, type ThresholdResult, evaluateThresholds} from './thresholds.js'
import type {LiveFigures} from './live-display.js'

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
}

/** How an operation that completed bears on cleanup: only a definite 4xx means no person was touched. */
function mayHaveCreated(outcome: Outcome): boolean {
  return !(outcome.kind === 'http_error' && outcome.status !== undefined && outcome.status >= 400 && outcome.status < 500)
}

function addSequences(ranges: SequenceRanges, operation: Operation): void {
  for (let i = 0; i < operation.kinds.length; i++) ranges.add(operation.firstSeq + i)
}

/**
 * Run one open-model load test and return its summary. Writes the run record before the first
 * request and keeps it current, so cleanup works even if the process dies mid-run.
 */
export async function runLoadTest(options: LoadTestOptions): Promise<LoadTestSummary> {
  const now = () => performance.now()
  const plans = planStages(options.startRate, options.stages)
  const planned = totalArrivals(options.startRate, options.stages)
  const totalMs = totalDurationMs(options.stages)
  const idPrefix = `lt-${options.runId}-`
  const created = new SequenceRanges()
  const pending = new Set<Operation>()
  const metrics = new LoadMetrics(plans)
  const factory = new OperationFactory({
    runId: options.runId,
    idPrefix,
    api: options.api,
    batchSize: options.api === 'v2' ? options.batchSize : 1,
    mix: options.mix,
  })
  const record: RunRecord = {
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
  }
  const saveRecord = async () => {
    record.lastSeq = factory.lastSeq
    record.createdRanges = created.toJSON()
    record.createdCount = created.count
    return writeRunRecord(options.stateDir, record)
  }

  const recordFile = await saveRecord()
  const client = createTrackClient(options.target, {timeoutMs: options.timeoutMs})
  const stop = new AbortController()
  let aborted: LoadTestSummary['aborted'] = null
  const onExternalAbort = () => {
    aborted ??= 'signal'
    stop.abort()
  }

  options.signal?.addEventListener('abort', onExternalAbort, {once: true})
  if (options.signal?.aborted) onExternalAbort()

  const loop = new ArrivalLoop<{operation: Operation; outcome: Outcome}>({
    schedule: arrivalSchedule(options.startRate, options.stages),
    maxInFlight: options.maxInFlight,
    now,
    signal: stop.signal,
    launch(_arrival, sentAtMs, lagMs) {
      metrics.recordSent(sentAtMs, lagMs)
      const operation = factory.next()
      pending.add(operation)
      return executeOperation(client, operation, now).then((outcome) => ({operation, outcome}))
    },
    onSettled({operation, outcome}) {
      pending.delete(operation)
      metrics.recordOutcome(outcome)
      if (mayHaveCreated(outcome)) addSequences(created, operation)
    },
    onDropped(_arrival, atMs) {
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

  let saving: Promise<unknown> = Promise.resolve()
  const ticker = setInterval(() => {
    check()
    // Record writes are chained so two never race on the same temporary file.
    saving = saving.then(saveRecord).catch(() => {})
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

  // Still running when the graceful stop ran out: the server may yet act on them.
  for (const operation of pending) addSequences(created, operation)
  check(true)
  await saving
  record.status = 'finished'
  record.finishedAt = new Date().toISOString()
  await saveRecord()

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
    peopleRecorded: created.count,
  }
}
