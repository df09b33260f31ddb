import {describe, expect, it} from 'vitest'

import {LatencyHistogram} from '../../src/loadtest/latency-histogram.js'
import {LoadMetrics} from '../../src/loadtest/metrics.js'
import {drawKind, parseMix} from '../../src/loadtest/mix.js'
import {planStages} from '../../src/loadtest/schedule.js'
import {parseStages} from '../../src/loadtest/stages.js'
import {evaluateThresholds, parseThreshold, parseThresholds} from '../../src/loadtest/thresholds.js'

describe('threshold grammar', () => {
  it('defaults to http_req_duration, as k6 users write it', () => {
    expect(parseThreshold('p(95)<500')).toMatchObject({metric: 'http_req_duration', aggregation: 'p(95)', percentile: 95, operator: '<', value: 500})
    expect(parseThreshold(' p( 99.9 ) <= 2000 ')).toMatchObject({aggregation: 'p(99.9)', operator: '<=', value: 2000})
    expect(parseThreshold('max<3000')).toMatchObject({aggregation: 'max'})
    expect(parseThreshold('avg<200')).toMatchObject({aggregation: 'avg'})
  })

  it('takes a metric name before the expression, with a space or a colon', () => {
    expect(parseThreshold('errors count<50')).toMatchObject({metric: 'errors', aggregation: 'count', value: 50})
    expect(parseThreshold('errors: count<50')).toMatchObject({metric: 'errors', aggregation: 'count'})
    expect(parseThreshold('http_req_failed rate<0.01')).toMatchObject({metric: 'http_req_failed', aggregation: 'rate', value: 0.01})
    expect(parseThreshold('latency p(90)<100')).toMatchObject({metric: 'http_req_duration'})
    expect(parseThreshold('dropped count==0')).toMatchObject({metric: 'dropped_iterations', operator: '=='})
  })

  it('rejects, up front and by name, what k6 would reject', () => {
    expect(() => parseThreshold('p95<500')).toThrow(/--threshold "p95<500": p95 does not apply to http_req_duration \(a trend\); use avg, min, med, max, p\(N\) \(did you mean p\(95\)\?\)/)
    expect(() => parseThreshold('p(101)<500')).toThrow(/percentile must be between 0 and 100/)
    expect(() => parseThreshold('errors p(95)<5')).toThrow(/p\(95\) does not apply to errors \(a counter\); use count, rate/)
    expect(() => parseThreshold('latencies p(95)<5')).toThrow(/unknown metric "latencies"/)
    expect(() => parseThreshold('p(95)<')).toThrow(/expected \[metric\] aggregation operator number/)
    expect(() => parseThreshold('p(95) =< 5')).toThrow(/expected \[metric\] aggregation operator number/)
    expect(() => parseThresholds(['p(95)<500', 'count<5'])).toThrow(/count does not apply to http_req_duration/)
  })
})

describe('threshold evaluation over run metrics', () => {
  const metricsWith = (latenciesMs: number[], statuses: Array<number | 'ok' | 'timeout'>) => {
    const metrics = new LoadMetrics(planStages(10, parseStages('1s:10')))
    latenciesMs.forEach((latencyMs, i) => {
      const status = statuses[i] ?? 'ok'
      metrics.recordSent(i, 0)
      if (status === 'ok') metrics.recordOutcome({kind: 'ok', latencyMs, entryErrors: 0})
      else if (status === 'timeout') metrics.recordOutcome({kind: 'timeout', latencyMs, entryErrors: 0})
      else metrics.recordOutcome({kind: 'http_error', status, latencyMs, entryErrors: 0})
    })
    return metrics
  }

  const evaluate = (metrics: LoadMetrics, expressions: string[], seconds = 10) =>
    evaluateThresholds(parseThresholds(expressions), (m, a, p) => metrics.read(m, a, p, seconds))

  it('uses HDR nearest rank for percentiles: p95 of 100..1000 ms is the 10th sample', () => {
    const metrics = metricsWith([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000], [])
    const [p95, p50] = evaluate(metrics, ['p(95)<1000', 'p(50)<501'])
    expect(p95.ok).toBe(false)
    expect(p95.observed! / 1000).toBeCloseTo(1, 2)
    // The 5th sample, reported as the top of its HDR bucket: within 0.1% above 500.
    expect(p50.ok).toBe(true)
    expect(p50.observed! / 500).toBeCloseTo(1, 2)
  })

  it('passes and fails right at the boundary', () => {
    const metrics = metricsWith(Array.from({length: 100}, () => 250), [])
    const results = evaluate(metrics, ['p(95)<251', 'p(95)<250', 'max<=251', 'avg>249'])
    expect(results.map((r) => r.ok)).toEqual([true, false, true, true])
  })

  it('counts 429s and timeouts as errors, 2xx not, and computes the failure rate', () => {
    const metrics = metricsWith([10, 10, 10, 10], ['ok', 429, 'timeout', 400])
    const [count, failed, rate429, c429] = evaluate(metrics, ['errors count<3', 'http_req_failed rate<0.5', 'http_429_rate rate<=0.25', 'http_429 count==1'])
    expect(count).toMatchObject({ok: false, observed: 3})
    expect(failed).toMatchObject({ok: false, observed: 0.75})
    expect(rate429).toMatchObject({ok: true, observed: 0.25})
    expect(c429.ok).toBe(true)
    expect(metrics.timeouts).toBe(1)
    expect(metrics.networkErrors).toBe(1)
  })

  it('turns counters into a per-second rate like k6', () => {
    const metrics = metricsWith([1, 1, 1, 1], [500, 500, 500, 500])
    expect(evaluate(metrics, ['errors rate<0.5'], 10)[0]).toMatchObject({ok: true, observed: 0.4})
  })

  it('lets a latency threshold pass while there are no samples yet, reporting null', () => {
    const metrics = metricsWith([], [])
    expect(evaluate(metrics, ['p(95)<500'])[0]).toMatchObject({ok: true, observed: null})
  })
})

describe('latency histogram', () => {
  it('keeps sub-millisecond samples (stored in µs, clamped to >= 1 µs)', () => {
    const histogram = new LatencyHistogram()
    histogram.recordMs(0)
    histogram.recordMs(0.25)
    histogram.recordMs(12.5)
    expect(histogram.count).toBe(3)
    expect(histogram.aggregateMs('min')).toBe(0.001)
    expect(histogram.aggregateMs('max')).toBeCloseTo(12.5, 1)
    expect(histogram.percentileMs(50)).toBeCloseTo(0.25, 3)
  })
})

describe('mix', () => {
  it('reads weights and refuses unknown or repeated kinds', () => {
    expect(parseMix('identify=3, track=1')).toEqual({identify: 3, track: 1})
    expect(parseMix('track=1')).toEqual({identify: 0, track: 1})
    expect(() => parseMix('identify=1,identify=2')).toThrow(/--mix entry 2 \("identify=2"\): identify is given twice/)
    expect(() => parseMix('page=1')).toThrow(/unknown kind "page"; use identify or track/)
    expect(() => parseMix('identify=0,track=0')).toThrow(/at least one weight must be above 0/)
    expect(drawKind({identify: 3, track: 1}, () => 0.74)).toBe('identify')
    expect(drawKind({identify: 3, track: 1}, () => 0.76)).toBe('track')
  })
})
