import type {Batch} from '../batching/batch.js'
import type {BatchBody} from '../batching/batch-body.js'
import {deliver, type DeliveryContext, type DeliveryOutcome, type EntryFailures} from './deliver.js'

/** What the dispatcher needs of a batch: its request body (the serialised entries) and whose they are. Sources add their own refs. */
export interface Sendable {
  body: BatchBody
  personKeys: Set<string>
}

export interface DispatcherOptions<B extends Sendable = Batch> {
  /** Batches sent but not settled (in flight or waiting to retry) at most: bounds memory. */
  window: number
  context: DeliveryContext
  /**
   * Called with the final answer for a batch; must make it durable before returning (or before its
   * promise settles, for acknowledgers that talk to a server: a queue, a broker).
   */
  onDelivered: (batch: B, failures: EntryFailures, outcome: DeliveryOutcome) => void | Promise<void>
  /** Called when a delivery says the run must stop. */
  onStop: (error: unknown) => void
  /** Called when a batch that had an attempt with an unknown outcome gets no final answer (the run stops). */
  onUnsettledAmbiguous?: (batch: B) => void
}

/**
 * Sends batches concurrently while keeping each person's rows in file order where order matters: a
 * batch that shares a person (its personKeys: identify rows, events without their own timestamp) with
 * one still outstanding waits for it, so a retried earlier row can never land after a later one.
 * Events that carry their own timestamp and id are in no personKeys: they land right in any order.
 * Dispatch is strictly in file order, so waiting also holds back everything behind it.
 */
export class Dispatcher<B extends Sendable = Batch> {
  private readonly inFlight = new Set<Promise<void>>()
  private readonly busyPeople = new Map<string, number>()

  constructor(private readonly options: DispatcherOptions<B>) {}

  get outstanding(): number {
    return this.inFlight.size
  }

  /** Wait for room and for the batch's people to be free, then start it. Returns false when stopping. */
  async dispatch(batch: B): Promise<boolean> {
    const stopping = this.options.context.stopping
    while (this.inFlight.size >= this.options.window || this.conflicts(batch)) {
      if (stopping.aborted || this.inFlight.size === 0) break
      await Promise.race(this.inFlight)
    }

    if (stopping.aborted) return false
    for (const key of batch.personKeys) this.busyPeople.set(key, (this.busyPeople.get(key) ?? 0) + 1)
    const work = this.run(batch)
    this.inFlight.add(work)
    void work.finally(() => this.inFlight.delete(work))
    return true
  }

  /** Wait for every started batch to finish, or for `timeoutMs`; true when all finished. */
  async drain(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<false>((resolve) => {
      if (Number.isFinite(timeoutMs)) timer = setTimeout(() => resolve(false), timeoutMs)
    })
    const all = (async () => {
      while (this.inFlight.size > 0) await Promise.race(this.inFlight)
      return true as const
    })()
    const finished = await Promise.race([all, timeout])
    clearTimeout(timer)
    return finished
  }

  private conflicts(batch: B): boolean {
    if (this.busyPeople.size === 0) return false
    for (const key of batch.personKeys) if (this.busyPeople.has(key)) return true
    return false
  }

  private async run(batch: B): Promise<void> {
    const outcome: DeliveryOutcome = {ambiguous: false}
    try {
      const failures = await deliver(batch.body, this.options.context, outcome)
      await this.options.onDelivered(batch, failures, outcome)
      // People are freed only once the outcome is in the ledger, so after a crash no later row of
      // theirs can have landed ahead of a row the resume will send again.
      this.free(batch)
    } catch (error) {
      // An attempt of it may still land late, after the resume sent its rows again: remember its people.
      if (outcome.ambiguous) this.options.onUnsettledAmbiguous?.(batch)
      // The batch has no final answer: its people stay busy (nothing later of theirs may go out) and
      // its rows stay outstanding for the resume.
      this.options.onStop(error)
    }
  }

  private free(batch: B): void {
    for (const key of batch.personKeys) {
      const n = this.busyPeople.get(key) ?? 0
      if (n <= 1) this.busyPeople.delete(key)
      else this.busyPeople.set(key, n - 1)
    }
  }
}
