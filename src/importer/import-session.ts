import {setMaxListeners} from 'node:events'

import {type Batch, firstLine, lastLine} from '../batching/batch.js'
import {BatchPacker} from '../batching/batch-packer.js'
import type {Ledger} from '../ledger/ledger.js'
import type {RowFailure, RunFileRecord, RunRecord, RunStatus} from '../ledger/records.js'
import {createMapper} from '../mapping/index.js'
import {writeRetryFile} from '../reporting/retry-file.js'
import type {DeliveryCounters, EntryFailures} from '../sending/deliver.js'
import {DeliveryStoppedError} from '../sending/delivery-errors.js'
import {createLocalBudget} from '../sending/local-budget.js'
import {Pacer} from '../sending/pacer.js'
import type {RateBudget} from '../sending/rate-budget.js'
import {createTransport} from '../sending/track-transport.js'
import {openSource} from '../source/index.js'
import {createTrackClient, type TrackTarget} from '../target/track-target.js'
import {Dispatcher} from './dispatcher.js'
import {FileSettlement} from './file-settlement.js'
import type {ProgressSnapshot} from './progress-snapshot.js'
import {SettledLines} from './settled-lines.js'
import {ownsInvalidLine, ownsPerson} from './shard.js'
import {STOP_STATUS, type StopReason, stopReasonFor} from './stop-reason.js'
import type {RunSummary} from './summary.js'

export interface SessionOptions {
  ledger: Ledger
  run: RunRecord
  target: TrackTarget
  /** Pacing may change on resume; everything else comes from the ledger. */
  rate: number
  concurrency: number
  /**
   * Where start permits come from when several processes share --rate (e.g. through Redis); the
   * caller opens and closes it. Without one, the session paces itself in-process.
   */
  budget?: RateBudget
  /** Aborted by the first Ctrl-C / SIGTERM: stop reading, let requests in flight finish. */
  interrupt: AbortSignal
  /** How long in-flight requests may take to finish once stopping. */
  drainTimeoutMs?: number
  requestTimeoutMs?: number
  /**
   * Bench-only: skip the ledger commits of progress (only each file's end is recorded), so a benchmark
   * can measure what the ledger costs. Counts come from this session; nothing can be resumed or retried.
   */
  benchNoLedger?: boolean
  onProgress?: (snapshot: ProgressSnapshot) => void
  /** The exact command that continues this run, for the summary. */
  resumeCommand: string
}

/** A ledger commit at least this often, so counters and invalid rows do not wait for a batch. */
const COMMIT_INTERVAL_MS = 500
/** An open batch waits this long for more rows when the input stalls (a slow pipe), then goes. */
const IDLE_FLUSH_MS = 1000
const INVALID_BUFFER_ROWS = 2000

/**
 * One process's work on a run: read each unfinished file from its resume point, map and check rows,
 * pack, pace and send, and make every answer durable in the ledger as it arrives.
 */
export class ImportSession {
  private readonly stopping = new AbortController()
  private readonly stopped = new Promise<void>((resolve) => this.stopping.signal.addEventListener('abort', () => resolve()))
  private stopReason: StopReason | null = null
  private readonly counters: DeliveryCounters = {sent: 0, throttled: 0, retried: 0}
  private committed: DeliveryCounters = {sent: 0, throttled: 0, retried: 0}
  private readonly session = {succeeded: 0, failed: 0, invalid: 0}
  /** Rows this session skipped because they belong to other shards (--shard). */
  private otherShards = 0
  /** Per-file counts of this session; only read when the ledger does not hold them (benchNoLedger). */
  private readonly sessionByFile = new Map<number, {succeeded: number; failed: number; invalid: number}>()
  private base = {succeeded: 0, failed: 0, invalid: 0}
  private readonly startedAt = performance.now()
  private lastCommitAt = performance.now()
  private readonly pacer: Pacer
  private readonly dispatcher: Dispatcher
  private readonly settlements = new Map<number, FileSettlement>()
  private current: {file: RunFileRecord; bytesBefore: number; bytesRead: () => number} | null = null
  private readonly totalBytes: number | null
  private readonly fileCount: number

  constructor(private readonly options: SessionOptions) {
    const {run} = options
    // Every lane waiting for a permit or a retry listens for the stop: more than Node's default 10.
    setMaxListeners(options.concurrency * 4 + 20, this.stopping.signal)
    const budget = options.budget ?? createLocalBudget(options.rate)
    this.pacer = new Pacer({budget, rate: options.rate, concurrency: options.concurrency})
    const transport = createTransport(createTrackClient(options.target, {timeoutMs: options.requestTimeoutMs}), run.api)
    this.dispatcher = new Dispatcher({
      window: options.concurrency + 1,
      context: {
        pacer: this.pacer,
        transport,
        policy: {maxRetries: run.config.maxRetries, maxThrottleRetries: 50, baseDelayMs: run.config.retryBaseMs},
        counters: this.counters,
        stopping: this.stopping.signal,
      },
      onDelivered: (batch, failures) => this.delivered(batch, failures),
      onStop: (error) => this.stop(error instanceof DeliveryStoppedError ? null : stopReasonFor(error)),
    })
    const files = options.ledger.runFiles(run.id)
    this.fileCount = files.length
    this.totalBytes = files.some((f) => f.size < 0) ? null : files.reduce((sum, f) => sum + f.size, 0)
  }

  async execute(): Promise<RunSummary> {
    const {ledger, run, interrupt} = this.options
    ledger.acquire(run.id)
    const onInterrupt = () => this.stop({kind: 'interrupt', message: 'interrupted by a signal'})
    if (interrupt.aborted) onInterrupt()
    interrupt.addEventListener('abort', onInterrupt, {once: true})
    this.base = ledger.counts(run.id)
    const ticker = setInterval(() => this.tick(), COMMIT_INTERVAL_MS)
    try {
      let bytesBefore = 0
      for (const file of ledger.runFiles(run.id)) {
        if (this.stopping.signal.aborted) break
        if (!file.done) await this.importFile(file, bytesBefore)
        bytesBefore += Math.max(0, file.size)
      }

      const drained = await this.dispatcher.drain(this.stopReason ? (this.options.drainTimeoutMs ?? 30_000) : undefined)
      if (!drained && !this.stopReason) this.stop({kind: 'fatal', message: 'requests did not finish'})
    } finally {
      clearInterval(ticker)
      interrupt.removeEventListener('abort', onInterrupt)
      this.commit([], [])
    }

    return this.finish()
  }

  private async importFile(file: RunFileRecord, bytesBefore: number): Promise<void> {
    const {ledger, run} = this.options
    const settlement = new FileSettlement({line: file.resumeLine, offset: file.resumeOffset})
    this.settlements.set(file.fileIndex, settlement)
    try {
      const seek = file.resumeOffset > 0
      const source = await openSource(file.path, {
        format: file.format,
        signal: this.stopping.signal,
        ...(seek ? {startOffset: file.resumeOffset, startLine: file.resumeLine} : {}),
      })
      this.current = {file, bytesBefore, bytesRead: () => source.bytesRead()}
      if (file.header === null && source.header !== null) ledger.setHeader(run.id, file.fileIndex, source.header)

      const mapper = createMapper({
        type: run.type,
        mapping: (run.config.mapping ?? undefined) as Parameters<typeof createMapper>[0]['mapping'],
        columns: source.columns,
        eventIdSeed: `${file.headHash}:${file.size}`,
        api: run.api,
      })
      const settled = new SettledLines(
        ledger.acksFrom(run.id, file.fileIndex, file.resumeLine),
        ledger.failedLinesFrom(run.id, file.fileIndex, file.resumeLine),
      )
      const packer = new BatchPacker({api: run.api, fileIndex: file.fileIndex, maxBodyBytes: run.config.maxBodyBytes})
      let chain: Promise<boolean> = Promise.resolve(true)
      const send = (batch: Batch) => (chain = chain.then((ok) => ok && this.dispatcher.dispatch(batch)))
      let lastAddAt = performance.now()
      // Only when the input itself is slow: while the reader waits for room to send, a half-full batch
      // sent early would just mean more, smaller requests.
      let waitingToSend = false
      const shard = run.config.shard ?? null
      const idleFlush = setInterval(() => {
        if (!waitingToSend && packer.pending && performance.now() - lastAddAt >= IDLE_FLUSH_MS) void send(packer.flush()!)
      }, IDLE_FLUSH_MS / 2)

      try {
        for await (const record of source.records()) {
          if (this.stopping.signal.aborted) break
          settlement.read(record)
          if (settled.has(record.line)) continue
          const result = mapper.map(record)
          // Another shard's row: read past it (the resume point moves over it), count it, send nothing.
          if (shard && !(result.ok ? ownsPerson(shard, result.op.personKey) : ownsInvalidLine(shard, record.line))) {
            this.otherShards++
            continue
          }

          if (!result.ok) {
            this.session.invalid++
            this.fileCounts(file.fileIndex).invalid++
            settlement.addInvalid({
              fileIndex: file.fileIndex,
              line: record.line,
              kind: 'invalid',
              rule: result.violation.rule,
              reason: record.truncated
                ? `${result.violation.message} (only the row's first bytes are kept here)`
                : result.violation.message,
              raw: record.raw,
            })
            if (settlement.bufferedInvalid >= INVALID_BUFFER_ROWS) this.commit([], [])
            continue
          }

          lastAddAt = performance.now()
          const ready = packer.add(result.op, record.raw, {line: record.line, offset: record.offset})
          settlement.track(ready)
          settlement.track(packer.pending)
          if (ready) {
            waitingToSend = true
            const sent = await send(ready)
            waitingToSend = false
            if (!sent) break
          }
        }
      } finally {
        clearInterval(idleFlush)
      }

      const last = packer.flush()
      if (last && !this.stopping.signal.aborted) await send(last)
      await chain
      // Once stopping, the bounded drain in execute() takes over.
      await Promise.race([this.dispatcher.drain(), this.stopped])
      if (!this.stopping.signal.aborted) this.commit([], [], {fileIndex: file.fileIndex, done: true})
    } catch (error) {
      const e = error as Error
      if (e.name === 'InputError') this.stop({kind: 'input', message: e.message})
      // The mapper does not know which file it maps; name it here.
      else if (e.name === 'MappingError') this.stop({kind: 'input', message: `${file.displayPath}: ${e.message}`})
      else this.stop({kind: 'fatal', message: e.message})
    }
  }

  private delivered(batch: Batch, failures: EntryFailures): void {
    const settlement = this.settlements.get(batch.fileIndex)!
    settlement.settle(batch)
    const rows: RowFailure[] = []
    for (const [index, reason] of failures) {
      rows.push({
        fileIndex: batch.fileIndex,
        line: batch.lines[index],
        kind: 'failed',
        rule: 'rejected_by_api',
        reason,
        raw: batch.raws[index],
      })
    }

    const succeeded = batch.lines.length - failures.size
    this.session.succeeded += succeeded
    this.session.failed += failures.size
    const fileCounts = this.fileCounts(batch.fileIndex)
    fileCounts.succeeded += succeeded
    fileCounts.failed += failures.size
    const range = {firstLine: firstLine(batch), lastLine: lastLine(batch), succeeded}
    this.commit([{fileIndex: batch.fileIndex, range}], rows)
  }

  /** One durable step: acknowledged batches, failed and invalid rows, and the resume point that passes them. */
  private commit(
    acks: Parameters<Ledger['commit']>[1]['acks'],
    failures: RowFailure[],
    finished?: {fileIndex: number; done: boolean},
  ): void {
    const positions = []
    const invalid: RowFailure[] = []
    for (const [fileIndex, settlement] of this.settlements) {
      invalid.push(...settlement.takeInvalid())
      const done = finished?.fileIndex === fileIndex && finished.done
      positions.push({fileIndex, ...settlement.position(), done})
    }

    const now = performance.now()
    const bench = this.options.benchNoLedger
    if (bench && !finished?.done) return
    const delta = {
      sent: this.counters.sent - this.committed.sent,
      throttled: this.counters.throttled - this.committed.throttled,
      retried: this.counters.retried - this.committed.retried,
    }
    this.options.ledger.commit(this.options.run.id, {
      acks: bench ? [] : acks,
      failures: bench ? [] : failures.length > 0 ? [...failures, ...invalid] : invalid,
      positions,
      requests: delta,
      activeMs: now - this.lastCommitAt,
    })
    this.committed = {...this.counters}
    this.lastCommitAt = now
    if (finished?.done) this.settlements.delete(finished.fileIndex)
  }

  private fileCounts(fileIndex: number): {succeeded: number; failed: number; invalid: number} {
    let counts = this.sessionByFile.get(fileIndex)
    if (!counts) this.sessionByFile.set(fileIndex, (counts = {succeeded: 0, failed: 0, invalid: 0}))
    return counts
  }

  private tick(): void {
    this.commit([], [])
    this.options.onProgress?.(this.snapshot())
  }

  snapshot(): ProgressSnapshot {
    const {run} = this.options
    const succeeded = this.base.succeeded + this.session.succeeded
    const failed = this.base.failed + this.session.failed
    const invalid = this.base.invalid + this.session.invalid
    const current = this.current
    return {
      runId: run.id,
      file: current?.file.displayPath ?? '',
      fileIndex: current?.file.fileIndex ?? 0,
      fileCount: this.fileCount,
      rowsDone: succeeded + failed + invalid,
      succeeded,
      failed,
      invalid,
      requestsSent: run.requests.sent + this.counters.sent,
      sessionRows: this.session.succeeded + this.session.failed + this.session.invalid,
      otherShards: this.otherShards,
      sessionRequests: this.counters.sent,
      throttled: run.requests.throttled + this.counters.throttled,
      retried: run.requests.retried + this.counters.retried,
      bytesRead: current ? current.bytesBefore + current.bytesRead() : 0,
      totalBytes: this.totalBytes,
      currentRate: this.pacer.budget.rate,
      budgetHold: this.pacer.budget.holdReason,
      elapsedMs: performance.now() - this.startedAt,
    }
  }

  private stop(reason: StopReason | null): void {
    if (reason && !this.stopReason) this.stopReason = reason
    if (!this.stopping.signal.aborted) this.stopping.abort()
  }

  private async finish(): Promise<RunSummary> {
    const {ledger, run} = this.options
    const files = ledger.runFiles(run.id)
    const bench = this.options.benchNoLedger
    const counts = bench ? {...this.session} : ledger.counts(run.id)
    const finished = !this.stopReason && files.every((f) => f.done)
    let status: RunStatus
    if (finished) {
      status = counts.failed + counts.invalid > 0 ? 'completed_with_failures' : 'completed'
    } else {
      const reason = this.stopReason ?? {kind: 'fatal' as const, message: 'the run stopped before every file was read'}
      status = STOP_STATUS[reason.kind]
    }

    const fileSummaries: RunSummary['files'] = []
    for (const file of files) {
      const c = bench ? {...this.fileCounts(file.fileIndex)} : ledger.counts(run.id, file.fileIndex)
      let retryFile: string | null = null
      if (finished && c.failed + c.invalid > 0 && !bench) {
        await writeRetryFile(file.retryFile, file.format, file.header, ledger.failures(run.id, file.fileIndex))
        retryFile = file.retryFile
      }

      fileSummaries.push({path: file.displayPath, done: file.done, rows: c, retryFile})
    }

    ledger.release(run.id, status, this.stopReason?.message ?? null)
    const after = ledger.getRun(run.id)!
    return {
      runId: run.id,
      status,
      type: run.type,
      api: run.api,
      target: {siteId: run.siteId, host: run.host},
      rows: {read: counts.succeeded + counts.failed + counts.invalid, ...counts},
      shard: run.config.shard ?? null,
      otherShards: this.otherShards,
      requests: after.requests,
      durationMs: Math.round(performance.now() - this.startedAt),
      activeMs: after.activeMs,
      retryFile: fileSummaries.find((f) => f.retryFile)?.retryFile ?? null,
      files: fileSummaries,
      failuresByRule: ledger.failureRules(run.id),
      statePath: ledger.path,
      resumeCommand: finished ? null : this.options.resumeCommand,
      error: this.stopReason && this.stopReason.kind !== 'interrupt' ? this.stopReason.message : null,
    }
  }
}
