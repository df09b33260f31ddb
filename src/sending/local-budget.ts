import {afterSuccess, afterThrottle, initialThrottleState, type ThrottleState} from './rate-governor.js'
import {BudgetStoppedError, type RateBudget, type StartPermit, sleepUnless} from './rate-budget.js'
import {StartWindow} from './start-window.js'

/** How far back the successes that preceded a 429 are counted (what the server accepted: see afterThrottle). */
const WINDOW_MS = 1100
/** Less time than this spent sending since the last pause says nothing about what the server accepts. */
const MIN_SENDING_MS = 500

/** The budget of one process: a start window on this process's clock, and the 429 state in memory. */
export function createLocalBudget(rate: number, now: () => number = () => performance.now()): RateBudget {
  const window = new StartWindow(rate, now)
  let state: ThrottleState = initialThrottleState(rate)
  // Successes of the last window: what the server accepted just before a 429 (see afterThrottle).
  const accepted: number[] = []
  const acceptedInWindow = (t: number) => {
    while (accepted.length > 0 && accepted[0] <= t - WINDOW_MS) accepted.shift()
    return accepted.length
  }
  /**
   * Successes per second in the window before a 429, counting only time spent sending: a window that
   * overlaps the last Retry-After pause holds few successes because nothing was sent, not because the
   * server accepts few, and taking that for the limit pinned the rate at a few per second for good.
   * null when too little of the window was spent sending to say anything.
   */
  const acceptedRate = (t: number): number | null => {
    acceptedInWindow(t)
    const from = Math.max(t - WINDOW_MS, state.pausedUntil)
    if (t - from < MIN_SENDING_MS) return null
    let count = 0
    for (const at of accepted) if (at > from) count++
    return (count * 1000) / (t - from)
  }
  const apply = (next: ThrottleState | null) => {
    if (!next) return
    if (Math.floor(next.rate) !== Math.floor(state.rate)) window.setLimit(next.rate)
    state = next
  }

  return {
    async acquire(signal: AbortSignal): Promise<StartPermit> {
      for (;;) {
        if (signal.aborted) throw new BudgetStoppedError()
        const paused = Math.ceil(state.pausedUntil - now())
        const wait = paused > 0 ? paused : window.tryStart()
        if (wait === 0) {
          const start = window.lastStart
          // The round trip sizes how long this start keeps its slot in the window (see StartWindow).
          return {answered: () => window.answered(start)}
        }

        // A long Retry-After pause must not hold up a Ctrl-C: wake up when stopping.
        await sleepUnless(wait, signal)
      }
    },
    async tryAcquire(): Promise<boolean> {
      if (state.pausedUntil > now()) return false
      return window.tryStart() === 0
    },
    throttled(retryAfterMs) {
      const t = now()
      apply(afterThrottle(state, t, retryAfterMs, Math.random(), acceptedRate(t)))
    },
    succeeded() {
      const t = now()
      accepted.push(t)
      if (accepted.length > 4 * rate) acceptedInWindow(t)
      apply(afterSuccess(state, t, rate))
    },
    get rate() {
      return state.rate
    },
    holdReason: null,
    async close() {},
  }
}
