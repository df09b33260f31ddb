import {afterSuccess, afterThrottle, initialThrottleState, type ThrottleState} from './rate-governor.js'
import {BudgetStoppedError, type RateBudget, sleepUnless} from './rate-budget.js'
import {StartWindow} from './start-window.js'

/** The budget of one process: a start window on this process's clock, and the 429 state in memory. */
export function createLocalBudget(rate: number, now: () => number = () => performance.now()): RateBudget {
  const window = new StartWindow(rate, undefined, now)
  let state: ThrottleState = initialThrottleState(rate)
  const apply = (next: ThrottleState | null) => {
    if (!next) return
    if (Math.floor(next.rate) !== Math.floor(state.rate)) window.setLimit(next.rate)
    state = next
  }

  return {
    async acquire(signal: AbortSignal): Promise<void> {
      for (;;) {
        if (signal.aborted) throw new BudgetStoppedError()
        const paused = Math.ceil(state.pausedUntil - now())
        const wait = paused > 0 ? paused : window.tryStart()
        if (wait === 0) return
        // A long Retry-After pause must not hold up a Ctrl-C: wake up when stopping.
        await sleepUnless(wait, signal)
      }
    },
    throttled(retryAfterMs) {
      apply(afterThrottle(state, now(), retryAfterMs, Math.random()))
    },
    succeeded() {
      apply(afterSuccess(state, now(), rate))
    },
    get rate() {
      return state.rate
    },
    holdReason: null,
    async close() {},
  }
}
