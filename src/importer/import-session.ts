import {rm} from 'node:fs/promises'

import {type Batch, firstLine, lastLine} from '../batching/batch.js'
import type {Ledger} from '../ledger/ledger.js'
import {isLedgerError} from '../ledger/ledger-errors.js'
import {RENEW_EVERY_MS} from '../ledger/lease.js'
import type {AckRange, RowFailure, RunFileRecord, RunRecord, RunStatus} from '../ledger/records.js'
import type {CreateMapperOptions} from '../mapping/index.js'
import {writeRetryFile} from '../reporting/retry-file.js'
import type {DeliveryContext, DeliveryCounters, EntryFailures} from '../sending/deliver.js'
import {DeliveryStoppedError} from '../sending/delivery-errors.js'
import {createDeliveryContext} from '../sending/delivery-context.js'
import {Pacer} from '../sending/pacer.js'
import type {RateBudget} from '../sending/rate-budget.js'
import type {ExchangeObserver} from '../sending/track-transport.js'
import type {TrackTarget} from '../target/track-target.js'
import {Dispatcher} from '../sending/dispatcher.js'
import {FileSettlement} from './file-settlement.js'
import {batchFrom, FrontThread} from './front-thread.js'
import {repairAmbiguousPeople} from './repair-pass.js'
import type {ProgressSnapshot} from './progress-snapshot.js'
import {STOP_STATUS, type StopReason, stopReasonFor} from './stop-reason.js'
import type {RunSummary} from './summary.js'
import {eventIdSchemeOf} from './event-id-scheme.js'

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
  /** Told of every HTTP attempt (the CLI's --verbose log); the engine itself never prints. */
  onExchange?: ExchangeObserver
  /** The exact command that continues this run, for the summary. */
  resumeCommand: string
}

/** A ledger commit at least this often, so counters and invalid rows do not wait for a batch. */
const COMMIT_INTERVAL_MS = 500
/** Batches the front thread may hand over ahead of the dispatcher taking them: bounds memory. */
const FRONT_CREDITS = 4
const INVALID_BUFFER_ROWS = 2000

/**
 * How far into the file on disk every row has an answer. Offsets count decompressed bytes while a
 * .gz file's size is compressed, so there the settled share of the rows read scales the bytes read.
 */
function settledBytes(settlement: FileSettlement, source: {compressed: boolean; bytesRead: () => number}): number {
  const settled = settlement.position().offset
  if (!source.compressed) return settled
  const read = settlement.readPosition().offset
  return read > 0 ? Math.round((source.bytesRead() * settled) / read) : 0
}

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
  /** The thread reading the current file, which takes delivered bodies' memory back. */
  private front: FrontThread | null = null
  private current: {file: RunFileRecord; bytesBefore: number; bytesRead: () => number; bytesSettled: () => number} | null = null
  private readonly deliveryContext: DeliveryContext
  /** When the last attempt with an unknown outcome ended (performance.now), if any did in this session. */
  private lastAmbiguousAt: number | null = null
  private readonly totalBytes: number | null
  private readonly fileCount: number

  constructor(private readonly options: SessionOptions) {
    const {run} = options
    const deliveryContext = createDeliveryContext({
      target: options.target,
      api: run.api,
      rate: options.rate,
      concurrency: options.concurrency,
      budget: options.budget,
      requestTimeoutMs: options.requestTimeoutMs,
      maxRetries: run.config.maxRetries,
      retryBaseMs: run.config.retryBaseMs,
      counters: this.counters,
      stopping: this.stopping.signal,
      onExchange: options.onExchange,
    })
    this.pacer = deliveryContext.pacer
    this.dispatcher = new Dispatcher({
      window: options.concurrency + 1,
      context: deliveryContext,
      onDelivered: (batch, failures, outcome) => this.delivered(batch, failures, outcome.ambiguous),
      onStop: (error) => this.stop(error instanceof DeliveryStoppedError ? null : stopReasonFor(error)),
      onUnsettledAmbiguous: (batch) => this.rememberAmbiguous(batch),
    })
    this.deliveryContext = deliveryContext
    const files = options.ledger.runFiles(run.id)
    this.fileCount = files.length
    this.totalBytes = files.some((f) => f.size < 0) ? null : files.reduce((sum, f) => sum + f.size, 0)
  }

  async execute(): Promise<RunSummary> {
    const {ledger, run} = this.options
    await ledger.acquire(run.id)
    // The lease says this process is alive until the run is released, retry file writing included.
    const lease = setInterval(() => {
      try {
        ledger.renewLease(run.id)
      } catch {
        // A refused write is reported by the next commit; a missed renewal only matters after STALE_AFTER_MS.
      }
    }, RENEW_EVERY_MS)
    try {
      return await this.work()
    } finally {
      clearInterval(lease)
    }
  }

  private async work(): Promise<RunSummary> {
    const {ledger, run, interrupt} = this.options
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
      if (!this.stopReason && ledger.runFiles(run.id).every((f) => f.done)) await this.repair()
    } finally {
      clearInterval(ticker)
      interrupt.removeEventListener('abort', onInterrupt)
      this.tryCommit()
    }

    return this.finish()
  }

  /**
   * One file: the front thread reads, maps, checks and packs it (front-worker.ts); this thread settles
   * what it reports, in file order, sends its batches and makes every answer durable.
   */
  private async importFile(file: RunFileRecord, bytesBefore: number): Promise<void> {
    const {ledger, run} = this.options
    const settlement = new FileSettlement({line: file.resumeLine, offset: file.resumeOffset})
    this.settlements.set(file.fileIndex, settlement)
    let front: FrontThread | null = null
    let onStop: (() => void) | null = null
    try {
      front = this.front = new FrontThread({
        path: file.path,
        format: file.format,
        fileIndex: file.fileIndex,
        startOffset: file.resumeOffset,
        startLine: file.resumeLine,
        mapper: {
          type: run.type,
          mapping: (run.config.mapping ?? undefined) as CreateMapperOptions['mapping'],
          eventIdSeed: `${file.headHash}:${file.size}`,
          eventIdScheme: eventIdSchemeOf(run.config),
          api: run.api,
        },
        maxBodyBytes: run.config.maxBodyBytes,
        shard: run.config.shard ?? null,
        acks: ledger.acksFrom(run.id, file.fileIndex, file.resumeLine),
        failedLines: ledger.failedLinesFrom(run.id, file.fileIndex, file.resumeLine),
        credits: FRONT_CREDITS,
      })
      let bytesRead = 0
      const started = front
      onStop = () => started.cancel()
      this.stopping.signal.addEventListener('abort', onStop, {once: true})
      for (;;) {
        const event = await front.next()
        if (event === null || this.stopping.signal.aborted) break
        if (event.kind === 'error') throw Object.assign(new Error(event.message), {name: event.name})
        if (event.kind === 'opened') {
          const source = {compressed: event.compressed, bytesRead: () => bytesRead}
          this.current = {file, bytesBefore, bytesRead: () => bytesRead, bytesSettled: () => settledBytes(settlement, source)}
          if (file.header === null && event.header !== null) ledger.setHeader(run.id, file.fileIndex, event.header)
          continue
        }

        for (const row of event.invalid) settlement.addInvalid(row)
        this.otherShards += event.otherShards
        bytesRead = event.bytesRead
        const batch = event.kind === 'batch' ? batchFrom(file.fileIndex, event.batch) : null
        settlement.track(batch)
        settlement.readTo(event.position)
        if (settlement.bufferedInvalid >= INVALID_BUFFER_ROWS) this.commit({})
        if (batch) {
          if (!(await this.dispatcher.dispatch(batch))) break
          front.credit()
        }

        if (event.kind === 'end') {
          // Once stopping, the bounded drain in execute() takes over.
          await Promise.race([this.dispatcher.drain(), this.stopped])
          if (!this.stopping.signal.aborted) this.commit({finished: file.fileIndex})
          break
        }
      }
    } catch (error) {
      const e = error as Error
      if (isLedgerError(e)) this.stop(stopReasonFor(e))
      else if (e.name === 'InputError') this.stop({kind: 'input', message: e.message})
      // The mapper does not know which file it maps; name it here.
      else if (e.name === 'MappingError') this.stop({kind: 'input', message: `${file.displayPath}: ${e.message}`})
      else this.stop({kind: 'fatal', message: e.message})
    } finally {
      if (onStop) this.stopping.signal.removeEventListener('abort', onStop)
      this.front = null
      await front?.close()
    }
  }

  /**
   * The repair pass, once every file is done (see repair-pass.ts). It first waits as long as one
   * request may take, so that an attempt the server is still holding lands before the last rows go again.
   */
  private async repair(): Promise<void> {
    const {ledger, run} = this.options
    if (run.type !== 'people' || this.options.benchNoLedger) return
    if (this.lastAmbiguousAt !== null) {
      const graceMs = Math.min(this.options.requestTimeoutMs ?? 30_000, 30_000)
      const waitMs = this.lastAmbiguousAt + graceMs - performance.now()
      if (waitMs > 0) await Promise.race([new Promise((resolve) => setTimeout(resolve, waitMs)), this.stopped])
    }

    try {
      await repairAmbiguousPeople({
        ledger,
        run,
        context: this.deliveryContext,
        window: this.options.concurrency + 1,
        onStop: (error) => this.stop(error instanceof DeliveryStoppedError ? null : stopReasonFor(error)),
      })
    } catch (error) {
      const e = error as Error
      this.stop(isLedgerError(e) ? stopReasonFor(e) : {kind: e.name === 'InputError' ? 'input' : 'fatal', message: e.message})
    }
  }

  /** A batch with an unknown outcome and no final answer: its people are repaired at the end of the run. */
  private rememberAmbiguous(batch: Batch): void {
    if (this.options.run.type !== 'people' || this.options.benchNoLedger) return
    this.lastAmbiguousAt = performance.now()
    try {
      this.commit({ambiguousPeople: [...batch.personKeys]})
    } catch (error) {
      this.stop(stopReasonFor(error))
    }
  }

  /** Throws when the ledger refuses the answer: the batch then stays outstanding and the run stops. */
  private delivered(batch: Batch, failures: EntryFailures, ambiguous: boolean): void {
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
    const range = {firstLine: firstLine(batch), lastLine: lastLine(batch), succeeded}
    // Only people runs need the repair: an event sent twice is dropped by its id.
    const ambiguousPeople = ambiguous && this.options.run.type === 'people' ? [...batch.personKeys] : []
    this.commit({batch, ack: range, failures: rows, ambiguousPeople})
    if (ambiguous) this.lastAmbiguousAt = performance.now()
    this.session.succeeded += succeeded
    this.session.failed += failures.size
    const fileCounts = this.fileCounts(batch.fileIndex)
    fileCounts.succeeded += succeeded
    fileCounts.failed += failures.size
    this.front?.recycle(batch.body)
  }

  /**
   * One durable step: an acknowledged batch with its failed rows, buffered invalid rows, and the resume
   * points that pass them. Nothing counts as settled in memory (resume point, buffered invalid rows,
   * counters) until the ledger took it: a failed commit throws a LedgerError and changes nothing here,
   * so a later, smaller commit can never move the resume point past what was not recorded.
   */
  private commit(step: {batch?: Batch; ack?: AckRange; failures?: RowFailure[]; ambiguousPeople?: string[]; finished?: number}): void {
    const {batch, finished} = step
    const positions = []
    const invalid: RowFailure[] = []
    const invalidTaken = new Map<number, number>()
    for (const [fileIndex, settlement] of this.settlements) {
      const pending = settlement.pendingInvalid()
      invalid.push(...pending)
      invalidTaken.set(fileIndex, pending.length)
      const settling = batch?.fileIndex === fileIndex ? batch : undefined
      positions.push({fileIndex, ...settlement.position(settling), done: finished === fileIndex})
    }

    const now = performance.now()
    const bench = this.options.benchNoLedger
    if (!bench || finished !== undefined) this.writeCommit(step, positions, invalid, now)
    for (const [fileIndex, count] of invalidTaken) {
      this.settlements.get(fileIndex)!.dropInvalid(count)
      this.session.invalid += count
      this.fileCounts(fileIndex).invalid += count
    }

    if (batch) this.settlements.get(batch.fileIndex)?.settle(batch)
    if (finished !== undefined) this.settlements.delete(finished)
  }

  private writeCommit(
    step: {batch?: Batch; ack?: AckRange; failures?: RowFailure[]; ambiguousPeople?: string[]},
    positions: Parameters<Ledger['commit']>[1]['positions'],
    invalid: RowFailure[],
    now: number,
  ): void {
    const bench = this.options.benchNoLedger
    const acks = step.batch && step.ack && !bench ? [{fileIndex: step.batch.fileIndex, range: step.ack}] : []
    const failures = bench ? [] : [...(step.failures ?? []), ...invalid]
    const delta = {
      sent: this.counters.sent - this.committed.sent,
      throttled: this.counters.throttled - this.committed.throttled,
      retried: this.counters.retried - this.committed.retried,
    }
    this.options.ledger.commit(this.options.run.id, {
      acks,
      failures,
      positions,
      requests: delta,
      activeMs: now - this.lastCommitAt,
      ambiguousPeople: bench ? [] : step.ambiguousPeople,
    })
    this.committed = {...this.counters}
    this.lastCommitAt = now
  }

  /** A commit from a timer or on the way out: a refused write stops the run instead of escaping as an uncaught error. */
  private tryCommit(): void {
    try {
      this.commit({})
    } catch (error) {
      this.stop(stopReasonFor(error))
    }
  }

  private fileCounts(fileIndex: number): {succeeded: number; failed: number; invalid: number} {
    let counts = this.sessionByFile.get(fileIndex)
    if (!counts) this.sessionByFile.set(fileIndex, (counts = {succeeded: 0, failed: 0, invalid: 0}))
    return counts
  }

  private tick(): void {
    this.tryCommit()
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
      bytesSettled: current ? current.bytesBefore + current.bytesSettled() : 0,
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

    // A spooled stdin is only kept for resume; a finished run has nothing left to read from it.
    if (finished) await Promise.all(files.filter((f) => f.displayPath === '-').map((f) => rm(f.path, {force: true})))

    try {
      ledger.release(run.id, status, this.stopReason?.message ?? null)
    } catch (error) {
      // The run stays marked as running; its lease expires and resume takes it over.
      if (!isLedgerError(error)) throw error
    }

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
      repaired: after.repaired,
      durationMs: Math.round(performance.now() - this.startedAt),
      activeMs: after.activeMs,
      retryFile: fileSummaries.find((f) => f.retryFile)?.retryFile ?? null,
      files: fileSummaries,
      failuresByRule: ledger.failureRules(run.id),
      rejectionsByReason: ledger.rejectionReasons(run.id),
      statePath: ledger.path,
      resumeCommand: finished ? null : this.options.resumeCommand,
      error: this.stopReason && this.stopReason.kind !== 'interrupt' ? this.stopReason.message : null,
    }
  }
}
