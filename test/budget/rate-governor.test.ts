import {describe, expect, it} from 'vitest'

import {afterSuccess, afterThrottle, initialThrottleState, type ThrottleState} from '../../src/sending/rate-governor.js'

/** Successes once per `everyMs` from `from` to `to`: the rate as it climbs back. */
function recover(state: ThrottleState, target: number, from: number, to: number, everyMs = 100): ThrottleState {
  let s = state
  for (let t = from; t <= to; t += everyMs) s = afterSuccess(s, t, target) ?? s
  return s
}

describe('the 429 governor', () => {
  it('goes just under what the server accepted when a 429 comes far above it, instead of halving step by step', () => {
    const s = afterThrottle(initialThrottleState(160), 10_000, null, 0, 44)
    expect(s.rate).toBeCloseTo(41.8)
    expect(s.hitRate).toBe(44)
    expect(s.pausedUntil).toBe(11_000)
  })

  it('halves on a first 429 with nothing better known; 429s within a second are one burst', () => {
    let s = afterThrottle(initialThrottleState(100), 0, 2000, 0)
    expect(s.rate).toBe(50)
    expect(s.pausedUntil).toBe(2000)
    s = afterThrottle(s, 500, null, 0)
    expect(s.rate).toBe(50)
  })

  it('near the remembered limit it backs off 10% and probes up slowly, not a sawtooth from half', () => {
    let s = afterThrottle(initialThrottleState(160), 0, null, 0, 44)
    // After the pause: climbs at 0.5% of the limit per second, so about 10 s from 41.8 to 44.
    s = recover(s, 160, 1500, 6500)
    expect(s.rate).toBeGreaterThan(42)
    expect(s.rate).toBeLessThan(43.5)
    const hitAt = s.rate
    s = afterThrottle(s, 7000, null, 0, hitAt / 1.1)
    expect(s.rate).toBeCloseTo(hitAt * 0.9)
  })

  it('forgets a limit once well past it without a 429 (it was lifted), and climbs fast again', () => {
    let s: ThrottleState = {rate: 60, hitRate: 50, pausedUntil: 0, lastThrottleAt: 0, lastIncreaseAt: 0}
    s = recover(s, 160, 1000, 60_000, 1000)
    expect(s.rate).toBe(160)
    expect(s.hitRate).toBeNull()
  })

  it('never goes below 1 and never above the target', () => {
    let s = initialThrottleState(2)
    for (let t = 0; t < 20_000; t += 1500) s = afterThrottle(s, t, null, 0)
    expect(s.rate).toBeGreaterThanOrEqual(1)
    s = recover(s, 2, 40_000, 200_000, 1000)
    expect(s.rate).toBe(2)
  })
})

describe('the in-process budget after a Retry-After pause', () => {
  it('does not take the few successes right after a pause for the server limit', async () => {
    const {createLocalBudget} = await import('../../src/sending/local-budget.js')
    let t = 0
    const budget = createLocalBudget(100, () => t)
    budget.throttled(1000)
    expect(budget.rate).toBe(50)
    // Back from the pause (at most 1.2 s with jitter): one success, then the server throttles again.
    t = 1300
    budget.succeeded()
    t = 1350
    budget.throttled(1000)
    // One success in the 150 ms spent sending says nothing about the limit: halve again, do not pin
    // the rate at ~1/s (which took an import 50+ s for 200 rows through periodic 429s).
    expect(budget.rate).toBeGreaterThanOrEqual(20)
  })
})
