import {describe, expect, it} from 'vitest'

import {formatDuration, parseDuration} from '../../src/loadtest/duration.js'
import {arrivalSchedule, planStages, rateAt, totalArrivals} from '../../src/loadtest/schedule.js'
import {parseStages} from '../../src/loadtest/stages.js'

const times = (startRate: number, spec: string) => [...arrivalSchedule(startRate, parseStages(spec))]

/** k6's cal() ramp formula, transcribed literally (rates per ms), to cross-check ours. */
function k6Ramp(i: number, doneSoFar: number, from: number, to: number, dur: number): number {
  return (from * dur - Math.sqrt(dur * (from * from * dur + 2 * (i - doneSoFar) * (to - from)))) / (from - to)
}

describe('durations', () => {
  it('parses k6-style units and combinations', () => {
    expect(parseDuration('500ms')).toBe(500)
    expect(parseDuration('30s')).toBe(30_000)
    expect(parseDuration('1m30s')).toBe(90_000)
    expect(parseDuration('1.5s')).toBe(1500)
    expect(parseDuration('2h')).toBe(7_200_000)
  })

  it('refuses bare numbers and junk', () => {
    for (const bad of ['30', '', 's', '10 s', '1x', '-1s']) expect(parseDuration(bad)).toBeNull()
  })

  it('formats back', () => {
    expect(formatDuration(90_000)).toBe('1m30s')
    expect(formatDuration(1500)).toBe('1.5s')
    expect(formatDuration(250)).toBe('250ms')
  })
})

describe('stage parsing', () => {
  it('reads the seed scenario', () => {
    expect(parseStages('30s:50,60s:80,30s:10')).toEqual([
      {durationMs: 30_000, target: 50},
      {durationMs: 60_000, target: 80},
      {durationMs: 30_000, target: 10},
    ])
  })

  it('names the entry and the rule on bad input', () => {
    expect(() => parseStages('30s:50,60:80')).toThrow(/--stages entry 2 \("60:80"\): duration must be positive with a unit/)
    expect(() => parseStages('30s')).toThrow(/entry 1 \("30s"\): expected duration:target/)
    expect(() => parseStages('30s:-5')).toThrow(/target must be a number of arrivals per second >= 0/)
    expect(() => parseStages('30s:1:2')).toThrow(/expected duration:target/)
  })
})

describe('arrival schedule (k6 ramping-arrival-rate cal())', () => {
  it('spaces a flat stage evenly, the n-th arrival when the area reaches n', () => {
    const arrivals = times(10, '1s:10')
    expect(arrivals).toHaveLength(10)
    arrivals.forEach((arrival, i) => expect(arrival.atMs).toBeCloseTo((i + 1) * 100, 9))
  })

  it('inverts the ramp integral: from 0 to 10/s over 10 s, arrival n starts at sqrt(2n) s', () => {
    const arrivals = times(0, '10s:10')
    expect(arrivals).toHaveLength(50)
    for (const n of [1, 2, 8, 18, 32, 50]) expect(arrivals[n - 1].atMs).toBeCloseTo(Math.sqrt(2 * n) * 1000, 6)
  })

  it('matches the literal k6 formula on a ramp up and a ramp down', () => {
    const up = times(10, '30s:50')
    up.forEach((arrival, i) => expect(arrival.atMs).toBeCloseTo(k6Ramp(i + 1, 0, 0.01, 0.05, 30_000), 6))
    const down = times(80, '30s:10')
    down.forEach((arrival, i) => expect(arrival.atMs).toBeCloseTo(k6Ramp(i + 1, 0, 0.08, 0.01, 30_000), 6))
  })

  it('carries the fractional remainder of a stage into the next one', () => {
    // 1.5 s at 3/s holds 4.5 arrivals: four start in stage 1, the fifth 0.5 arrivals (1/6 s) into stage 2.
    const arrivals = times(3, '1500ms:3,1s:3')
    expect(arrivals.map((a) => a.stage)).toEqual([0, 0, 0, 0, 1, 1, 1])
    expect(arrivals[4].atMs).toBeCloseTo(1500 + 1000 / 6, 6)
    expect(planStages(3, parseStages('1500ms:3,1s:3')).map((p) => p.arrivals)).toEqual([4, 3])
  })

  it('plans the seed scenario exactly: 900 + 3900 + 1350 arrivals, in order, inside their stages', () => {
    const stages = parseStages('30s:50,60s:80,30s:10')
    const plans = planStages(10, stages)
    expect(plans.map((p) => p.arrivals)).toEqual([900, 3900, 1350])
    expect(plans.map((p) => p.targetRate)).toEqual([30, 65, 45])
    expect(totalArrivals(10, stages)).toBe(6150)
    const arrivals = [...arrivalSchedule(10, stages)]
    expect(arrivals).toHaveLength(6150)
    for (let i = 1; i < arrivals.length; i++) expect(arrivals[i].atMs).toBeGreaterThanOrEqual(arrivals[i - 1].atMs)
    for (const a of arrivals) {
      expect(a.atMs).toBeGreaterThan(plans[a.stage].startMs)
      expect(a.atMs).toBeLessThanOrEqual(plans[a.stage].startMs + plans[a.stage].durationMs)
    }

    expect(arrivals.at(-1)!.atMs).toBeCloseTo(120_000, 6)
  })

  it('sends nothing in a stage at rate 0 and resumes after it', () => {
    const arrivals = times(0, '1s:0,1s:2')
    expect(arrivals.every((a) => a.stage === 1)).toBe(true)
    expect(arrivals).toHaveLength(1)
  })

  it('reports the planned rate at any instant', () => {
    const plans = planStages(10, parseStages('30s:50,60s:80'))
    expect(rateAt(plans, 0)).toBe(10)
    expect(rateAt(plans, 15_000)).toBe(30)
    expect(rateAt(plans, 60_000)).toBe(65)
    expect(rateAt(plans, 90_000)).toBe(0)
  })
})
