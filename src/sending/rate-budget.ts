/**
 * The one way a request gets permission to start. Every sender (import, resume, and later the queue
 * worker and Kafka consumer) takes a permit per HTTP attempt, retries included, so whatever shares a
 * budget shares `--rate`. Two implementations: in-process (createLocalBudget) and shared through Redis
 * (connectRedisBudget); both keep the 429 state (pause and reduced rate) with the permits, so a
 * throttled answer slows every sender of the budget.
 */
export interface RateBudget {
  /**
   * Resolves when one request may start (and counts that start). Rejects with BudgetStoppedError
   * as soon as `signal` aborts, even mid-wait, and with BudgetLostError when a shared budget has been
   * unreachable for longer than its bound (never starts a request unpaced).
   */
  acquire(signal: AbortSignal): Promise<StartPermit | void>
  /**
   * Takes a permit only if one is free right now: true when taken (and counted), false when the
   * budget is full, paused by a 429 or unreachable (nothing is taken). Never waits, so a sender with
   * its own schedule (the open-model load test) can count a refusal instead of drifting off it.
   */
  tryAcquire(): Promise<boolean>
  /** A 429 came back: pause every sender for Retry-After (1 s when absent) and lower the rate. */
  throttled(retryAfterMs: number | null): void
  /** A request succeeded: lets the rate climb back after a 429. */
  succeeded(): void
  /** Requests per second allowed right now (below the target after 429s). */
  readonly rate: number
  /** Why sending is held back by the budget itself (e.g. Redis unreachable), or null. */
  readonly holdReason: string | null
  close(): Promise<void>
}

/** A granted start; told when its request got an answer (or none), so a slow round trip can be accounted for. */
export interface StartPermit {
  answered(): void
}

export class BudgetStoppedError extends Error {
  override readonly name = 'BudgetStoppedError'
  constructor() {
    super('stopped while waiting for the rate budget')
  }
}

/** A shared budget stayed unreachable past its bound: the run stops resumably (exit 5). */
export class BudgetLostError extends Error {
  override readonly name = 'BudgetLostError'
}

/** A shared budget could not be reached when the run began: a configuration error (exit 2). */
export class BudgetUnreachableError extends Error {
  override readonly name = 'BudgetUnreachableError'
}

/** Resolves after `ms`, or at once when `signal` aborts (the caller checks which). */
export function sleepUnless(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }

    signal.addEventListener('abort', done, {once: true})
  })
}
