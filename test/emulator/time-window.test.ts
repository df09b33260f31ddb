import {describe, expect, it} from 'vitest'

import {SlidingWindowLimiter} from '../../src/emulator/rate-limiter.js'
import {RecentTimes, SlidingPeak} from '../../src/emulator/time-window.js'

describe('sliding-window counting', () => {
  it('finds the most arrivals inside any 1000 ms window', () => {
    const peak = new SlidingPeak(1000)
    // 3 at the end of one fixed second and 3 at the start of the next: a fixed window sees 3, a sliding one 6.
    for (const t of [900, 950, 999, 1000, 1001, 1050]) peak.record(t)
    expect(peak.peak).toBe(6)
    // Exactly 1000 ms after the first arrival, that arrival has left the window.
    peak.record(1900)
    expect(peak.peak).toBe(6)
    for (let t = 5000; t < 5100; t++) peak.record(t)
    expect(peak.peak).toBe(100)
  })

  it('admits at most `limit` requests in any trailing window, per key', () => {
    const limiter = new SlidingWindowLimiter({limit: 2, windowMs: 1000})
    expect([limiter.tryAdmit('s', 0), limiter.tryAdmit('s', 10), limiter.tryAdmit('s', 20)]).toEqual([true, true, false])
    expect(limiter.tryAdmit('other', 20)).toBe(true)
    expect(limiter.tryAdmit('s', 999)).toBe(false)
    expect(limiter.tryAdmit('s', 1000)).toBe(true)
    expect(limiter.tryAdmit('s', 1009)).toBe(false)
    expect(limiter.tryAdmit('s', 1010)).toBe(true)
  })

  it('keeps only the most recent arrival times, oldest first', () => {
    const recent = new RecentTimes(3)
    for (const t of [1, 2, 3, 4, 5]) recent.record(t)
    expect(recent.list()).toEqual([3, 4, 5])
  })
})
