import {describe, expect, it} from 'vitest'

import {StartWindow} from '../../src/sending/start-window.js'

/** A window on a clock the test moves by hand. */
function windowAt(limit: number, margins = {marginMs: 5, maxExtraMs: 250}) {
  const clock = {t: 0}
  return {clock, window: new StartWindow(limit, () => clock.t, margins)}
}

/** Start `n` requests at once (or fail the test); returns their numbers. */
function startAll(w: StartWindow, n: number): number[] {
  const ids = []
  for (let i = 0; i < n; i++) {
    expect(w.tryStart()).toBe(0)
    ids.push(w.lastStart)
  }

  return ids
}

describe('the start window', () => {
  it('allows `limit` starts, then the next one 1000 ms + the margin after the oldest when round trips are even', () => {
    const {clock, window} = windowAt(3)
    const ids = startAll(window, 3)
    clock.t = 2
    for (const id of ids) window.answered(id)
    expect(window.tryStart()).toBe(1003)
    clock.t = 1004.9
    expect(window.tryStart()).toBe(1)
    clock.t = 1005
    expect(window.tryStart()).toBe(0)
  })

  it('holds a slow round trip\'s slot for its excess over the fastest recent round trip: it may have arrived late', () => {
    const {clock, window} = windowAt(2)
    expect(window.tryStart()).toBe(0)
    const slow = window.lastStart
    clock.t = 10
    expect(window.tryStart()).toBe(0)
    const fast = window.lastStart
    clock.t = 12
    window.answered(fast) // 2 ms
    clock.t = 62
    window.answered(slow) // 62 ms: 60 ms over the fastest
    clock.t = 1005
    expect(window.tryStart()).toBe(60)
    clock.t = 1065
    expect(window.tryStart()).toBe(0)
    // The fast one's slot frees 1005 ms after it started.
    clock.t = 1014
    expect(window.tryStart()).toBe(1)
    clock.t = 1015
    expect(window.tryStart()).toBe(0)
  })

  it('caps the hold: a request unanswered past 1000 ms + margin + maxExtraMs stops blocking, and one unanswered before that is looked at again soon', () => {
    const {clock, window} = windowAt(1)
    expect(window.tryStart()).toBe(0)
    clock.t = 1005
    const wait = window.tryStart()
    expect(wait).toBeGreaterThan(0)
    expect(wait).toBeLessThanOrEqual(5)
    clock.t = 1255
    expect(window.tryStart()).toBe(0)
  })

  it('caps the hold of an answered slow round trip too', () => {
    const {clock, window} = windowAt(1)
    startAll(window, 1)
    clock.t = 1
    window.answered(window.lastStart) // 1 ms: the fastest
    clock.t = 1005
    expect(window.tryStart()).toBe(0)
    const slow = window.lastStart
    clock.t = 1405
    window.answered(slow) // 400 ms: 399 over the fastest, held 250 at most
    clock.t = 2010
    expect(window.tryStart()).toBe(250)
    clock.t = 2260
    expect(window.tryStart()).toBe(0)
  })

  it('never lets more than `limit` starts into any 1000 ms + margin, whatever the clock does', () => {
    const {clock, window} = windowAt(7)
    const starts: number[] = []
    for (let step = 0; step < 20_000; step++) {
      clock.t += (step * 7919) % 13
      if (window.tryStart() === 0) {
        starts.push(clock.t)
        window.answered(window.lastStart)
      }
    }

    for (let i = 7; i < starts.length; i++) expect(starts[i] - starts[i - 7]).toBeGreaterThanOrEqual(1005)
    // And it is not starved: close to 7 per 1.005 s over the run.
    expect(starts.length / (clock.t / 1005)).toBeGreaterThan(6.5)
  })

  it('a lowered limit binds at once; a raised one lets the old starts go', () => {
    const {clock, window} = windowAt(4)
    startAll(window, 2)
    window.setLimit(2)
    expect(window.tryStart()).toBeGreaterThan(0)
    window.setLimit(3)
    expect(window.tryStart()).toBe(0)
  })
})
