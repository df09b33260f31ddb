import {randomUUID} from 'node:crypto'

import {type Job, UnrecoverableError, Worker} from 'bullmq'
import type {Redis} from 'ioredis'

import {type RefBatch, RefPacker} from '../batching/ref-packer.js'
import {utf8Bytes} from '../cio/limits.js'
import {Dispatcher} from '../sending/dispatcher.js'
import {STOP_STATUS, type StopReason, stopReasonFor} from '../importer/stop-reason.js'
import type {RunStatus} from '../ledger/records.js'
import type {DeliveryMetrics} from '../reporting/delivery-metrics.js'
import type {DeliveryCounters, EntryFailures} from '../sending/deliver.js'
import {DeliveryStoppedError} from '../sending/delivery-errors.js'
import {createDeliveryContext, type SenderSettings} from '../sending/delivery-context.js'
import {Pacer} from '../sending/pacer.js'
import type {OperationJobData} from './job-data.js'

type OperationJob = Job<OperationJobData>

export interface QueueWorkerOptions extends SenderSettings {
  connection: Redis
  queue: string
  /** How long an open batch waits for more jobs once the queue is found empty. */
  lingerMs: number
  maxBodyBytes?: number
  /** BullMQ lock per job; this worker renews it every half of it while it holds the job. */
  lockDurationMs: number
  stalledIntervalMs: number
  /** Raised from BullMQ's 1 so a job whose worker was killed twice is recovered, not failed. */
  maxStalledCount: number
  /** After SIGTERM, how long batches in flight may take before what is left is put back. */
  drainTimeoutMs: number
  log: (line: string) => void
}

export interface WorkerSummary {
  status: RunStatus
  completed: number
  failed: number
  /** Jobs this worker held when it stopped and moved back to the wait list. */
  putBack: number
  requests: DeliveryCounters
  error: string | null
}

/** An open batch older than this goes even if jobs keep trickling in. */
const MAX_BATCH_AGE_MS = 1000
/** Non-blocking job fetches sent together while a batch fills. */
const FETCH_ROUND = 32
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Takes operation jobs from BullMQ in groups and delivers each group as one v2 batch through the one
 * send path (dispatcher -> pacer -> deliver). Job completion is the acknowledger: acknowledged ->
 * completed, rejected by Customer.io -> failed with its reason, no retry. BullMQ's open-source Worker
 * has no batch processing, so this uses it without a processor: getNextJob, moveToCompleted/Failed,
 * and its stalled-job checker for jobs whose worker died.
 */
export class QueueWorker {
  readonly counters: DeliveryCounters = {sent: 0, throttled: 0, retried: 0}
  private readonly taking = new AbortController()
  private readonly stopping = new AbortController()
  private stopReason: StopReason | null = null
  private readonly token = randomUUID()
  private readonly held = new Map<string, OperationJob>()
  private readonly packer: RefPacker<OperationJob>
  /** Batches a fetch round closed that are not dispatched yet (their jobs are held). */
  private readonly closed: RefBatch<OperationJob>[] = []
  private readonly pacer: Pacer
  private readonly dispatcher: Dispatcher<RefBatch<OperationJob>>
  private worker: Worker<OperationJobData> | null = null
  private completed = 0
  private failed = 0
  private metrics: DeliveryMetrics | null = null
  private fetchProblem: string | null = null

  constructor(private readonly options: QueueWorkerOptions) {
    this.packer = new RefPacker(options.maxBodyBytes)
    const context = createDeliveryContext({...options, api: 'v2', counters: this.counters, stopping: this.stopping.signal})
    this.pacer = context.pacer
    this.dispatcher = new Dispatcher({
      window: options.concurrency + 1,
      context,
      onDelivered: (batch, failures) => this.acknowledge(batch, failures),
      onStop: (error) => this.stop(error instanceof DeliveryStoppedError ? null : stopReasonFor(error)),
    })
  }

  /** True until the worker starts stopping (for /healthz). */
  get takingJobs(): boolean {
    return !this.taking.signal.aborted
  }

  limiterState(): {running: number; queued: number; done: number} {
    const running = this.pacer.running
    return {running, queued: Math.max(0, this.dispatcher.outstanding - running), done: this.counters.sent}
  }

  attachMetrics(metrics: DeliveryMetrics): void {
    this.metrics = metrics
  }

  /** Stop taking jobs and drain (SIGTERM, Ctrl-C): batches in flight finish, the rest is put back. */
  interrupt(): void {
    if (!this.taking.signal.aborted) this.taking.abort()
  }

  async run(): Promise<WorkerSummary> {
    const {options} = this
    const worker = new Worker<OperationJobData>(options.queue, null, {
      connection: options.connection,
      autorun: false,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
      maxStalledCount: options.maxStalledCount,
      drainDelay: 1,
    })
    this.worker = worker
    worker.on('error', (error) => this.reportFetchProblem(error))
    await worker.waitUntilReady()
    void worker.startStalledCheckTimer().catch((error: Error) => this.reportFetchProblem(error))
    const renew = setInterval(() => void this.renewLocks(), Math.max(100, options.lockDurationMs / 2))
    try {
      while (!this.taking.signal.aborted) {
        const batch = await this.collect(worker)
        if (!batch) continue
        this.metrics?.batchSize.observe(batch.refs.length)
        if (!(await this.dispatcher.dispatch(batch))) break
      }

      // A batch the loop closed but could not dispatch, or an open one: its jobs are held, put back below.
      this.packer.flush()
      const drained = await this.dispatcher.drain(this.stopReason ? 5000 : options.drainTimeoutMs)
      if (!drained) {
        this.stopping.abort()
        await this.dispatcher.drain(5000)
      }
    } finally {
      clearInterval(renew)
    }

    const putBack = await this.putBack()
    await worker.close(true).catch(() => {})
    await this.pacer.stop()
    const reason = this.stopReason
    return {
      status: reason ? STOP_STATUS[reason.kind] : 'completed',
      completed: this.completed,
      failed: this.failed,
      putBack,
      requests: {...this.counters},
      error: reason?.message ?? null,
    }
  }

  /** Jobs until a batch is full, or the queue has been empty for the linger time, or stopping. */
  private async collect(worker: Worker<OperationJobData>): Promise<RefBatch<OperationJob> | null> {
    let lingerUntil: number | undefined
    let openedAt = performance.now()
    for (;;) {
      if (this.taking.signal.aborted) return null
      if (this.closed.length > 0) return this.closed.shift()!
      const empty = this.packer.pending === null
      let jobs: (OperationJob | undefined)[]
      try {
        // Blocking for the first job; then rounds of non-blocking fetches sent together. Redis runs one
        // connection's commands in order, so the jobs still come in queue order.
        jobs = empty
          ? [await worker.getNextJob(this.token, {block: true})]
          : await Promise.all(Array.from({length: FETCH_ROUND}, () => worker.getNextJob(this.token, {block: false})))
        this.fetchProblem = null
      } catch (error) {
        // Redis restarting: ioredis reconnects by itself; try again shortly.
        this.reportFetchProblem(error as Error)
        await sleep(250)
        continue
      }

      const now = performance.now()
      let got = 0
      for (const job of jobs) {
        if (!job) continue
        got++
        if (this.packer.pending === null) openedAt = now
        this.held.set(job.id!, job)
        // A round can close a batch (or, with large entries, more than one): closed ones go first, in order.
        const closed = this.packer.add({json: job.data.entry, bytes: utf8Bytes(job.data.entry), personKey: job.data.key}, job)
        if (closed) this.closed.push(closed)
      }

      if (this.closed.length > 0) return this.closed.shift()!
      if (got > 0) {
        if (now - openedAt >= MAX_BATCH_AGE_MS) return this.packer.flush()
        continue
      }

      if (this.packer.pending === null) continue
      lingerUntil ??= now + this.options.lingerMs
      if (now >= lingerUntil || now - openedAt >= MAX_BATCH_AGE_MS) return this.packer.flush()
      await sleep(Math.min(10, this.options.lingerMs))
    }
  }

  private async acknowledge(batch: RefBatch<OperationJob>, failures: EntryFailures): Promise<void> {
    await Promise.all(
      batch.refs.map(async (job, index) => {
        const reason = failures.get(index)
        try {
          if (reason === undefined) await job.moveToCompleted(null, this.token, false)
          // Unrecoverable: a rejection is Customer.io's final word, whatever attempts the job allows.
          else await job.moveToFailed(new UnrecoverableError(`rejected by Customer.io: ${reason}`), this.token, false)
        } catch (error) {
          // The lock was lost (this worker stalled and another took the job): that one will answer it.
          this.options.log(`job ${job.id}: could not record its outcome (${(error as Error).message})`)
          return
        } finally {
          this.held.delete(job.id!)
        }

        if (reason === undefined) {
          this.completed++
          this.metrics?.completed.inc()
        } else {
          this.failed++
          this.metrics?.failed.inc()
        }
      }),
    )
  }

  /** Held jobs back to the front of the wait list, in their order, for the next worker. */
  private async putBack(): Promise<number> {
    const jobs = [...this.held.values()].reverse()
    let moved = 0
    for (const job of jobs) {
      try {
        await job.moveToWait(this.token)
        moved++
      } catch (error) {
        this.options.log(`job ${job.id}: left to stalled-job recovery (${(error as Error).message})`)
      }
    }

    this.held.clear()
    return moved
  }

  private async renewLocks(): Promise<void> {
    if (!this.worker || this.held.size === 0) return
    const ids = [...this.held.keys()]
    await this.worker.extendJobLocks(ids, ids.map(() => this.token), this.options.lockDurationMs).catch((error: Error) => this.reportFetchProblem(error))
  }

  private reportFetchProblem(error: Error): void {
    const message = error.message ?? String(error)
    if (message === this.fetchProblem) return
    this.fetchProblem = message
    this.options.log(`queue: ${message} (retrying)`)
  }

  private stop(reason: StopReason | null): void {
    if (reason && !this.stopReason) this.stopReason = reason
    this.interrupt()
    if (!this.stopping.signal.aborted) this.stopping.abort()
  }
}
