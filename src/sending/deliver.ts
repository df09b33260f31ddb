import type {BatchBody} from '../batching/batch-body.js'
import type {AttemptResult} from './attempt-result.js'
import {backoffMs} from './backoff.js'
import {AuthRejectedError, DeliveryStoppedError, FatalResponseError, RetriesExhaustedError} from './delivery-errors.js'
import type {Pacer} from './pacer.js'
import {BudgetStoppedError, sleepUnless} from './rate-budget.js'
import type {Transport} from './track-transport.js'

export interface RetryPolicy {
  /** Retries of 5xx, timeouts and resets per request before the run stops (exit 5). */
  maxRetries: number
  /** Retries after 429 per request; higher, because a 429 means "slower", not "broken". */
  maxThrottleRetries: number
  baseDelayMs: number
}

export interface DeliveryCounters {
  sent: number
  throttled: number
  retried: number
}

export interface DeliveryContext {
  pacer: Pacer
  transport: Transport
  policy: RetryPolicy
  counters: DeliveryCounters
  /** Aborted when the run is stopping: no new attempt starts, attempts in flight finish. */
  stopping: AbortSignal
}

/** Per-entry failures of one delivery, by index into the entries that were given. */
export type EntryFailures = Map<number, string>

/** What a delivery learnt besides its answer. */
export interface DeliveryOutcome {
  /** An attempt ended without knowing whether the server applied it (timeout, reset after sending). */
  ambiguous: boolean
}

function describeEntryError(e: {reason?: string; field?: string; message?: string}): string {
  const parts = [e.message, e.field && `field ${e.field}`, e.reason && `reason ${e.reason}`].filter(Boolean)
  return parts.length > 0 ? parts.join('; ') : 'rejected by Customer.io (no message)'
}

/**
 * Deliver a body's entries (serialised v2 entries) until Customer.io has a final answer for each of them. Resolves
 * with the entries it rejected; throws when the run must stop (credentials, retry budget, configuration, stopping).
 * A whole-request 400 is split in halves, sent one after the other to keep file order, until the
 * bad entries are isolated, so one bad row never fails its neighbours.
 */
export async function deliver(body: BatchBody, ctx: DeliveryContext, outcome?: DeliveryOutcome): Promise<EntryFailures> {
  let transientAttempts = 0
  let throttleAttempts = 0
  for (;;) {
    if (ctx.stopping.aborted) throw new DeliveryStoppedError()
    const result: AttemptResult = await ctx.pacer
      .run(async () => {
        // Queued behind the pace when the run began stopping: leave it for the resume.
        if (ctx.stopping.aborted) throw new DeliveryStoppedError()
        ctx.counters.sent++
        return ctx.transport.send(body)
      }, ctx.stopping)
      .catch((error: unknown) => {
        // Stopped while waiting for a permit (e.g. Ctrl-C during a long Retry-After pause): nothing was sent.
        throw error instanceof BudgetStoppedError ? new DeliveryStoppedError() : error
      })

    switch (result.kind) {
      case 'ok': {
        ctx.pacer.budget.succeeded()
        const failures: EntryFailures = new Map()
        for (const e of result.entryErrors) {
          if (e.batch_index >= 0 && e.batch_index < body.count) failures.set(e.batch_index, describeEntryError(e))
        }

        return failures
      }

      case 'throttled': {
        ctx.counters.throttled++
        ctx.pacer.budget.throttled(result.retryAfterMs)
        if (++throttleAttempts > ctx.policy.maxThrottleRetries) {
          throw new RetriesExhaustedError(throttleAttempts, 'HTTP 429 (rate limited)')
        }

        ctx.counters.retried++
        continue
      }

      case 'transient': {
        if (result.ambiguous && outcome) outcome.ambiguous = true
        if (++transientAttempts > ctx.policy.maxRetries) throw new RetriesExhaustedError(transientAttempts, result.message)
        ctx.counters.retried++
        await sleepUnless(backoffMs(transientAttempts - 1, ctx.policy.baseDelayMs), ctx.stopping)
        continue
      }

      case 'rejected': {
        if (body.count === 1) return new Map([[0, result.message]])
        return deliverInHalves(body, ctx, outcome)
      }

      case 'auth': {
        throw new AuthRejectedError(result.status, result.message)
      }

      case 'fatal': {
        throw new FatalResponseError(result.status, result.message)
      }
    }
  }
}

async function deliverInHalves(body: BatchBody, ctx: DeliveryContext, outcome?: DeliveryOutcome): Promise<EntryFailures> {
  const middle = Math.ceil(body.count / 2)
  const failures = await deliver(body.slice(0, middle), ctx, outcome)
  const right = await deliver(body.slice(middle, body.count), ctx, outcome)
  for (const [index, reason] of right) failures.set(index + middle, reason)
  return failures
}
