import {build, type Histogram} from 'hdr-histogram-js'

export interface LatencySummary {
  count: number
  min: number
  avg: number
  p50: number
  p90: number
  p95: number
  p99: number
  max: number
}

/**
 * Milliseconds in, milliseconds out, microseconds inside: hdr-histogram-js drops the decimal part of
 * what it records and a zero is not discernible, so samples are stored as whole microseconds >= 1.
 * Percentiles are HDR nearest rank (ceil(p/100·N)-th sample, reported as the top of its bucket,
 * within 0.1% at 3 significant digits, capped at the maximum); k6 interpolates linearly between raw samples instead, which
 * can differ for small N near a threshold.
 */
export class LatencyHistogram {
  private readonly histogram: Histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  })

  recordMs(ms: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(ms * 1000)))
  }

  get count(): number {
    return this.histogram.totalCount
  }

  /** p in 0..100; undefined when nothing was recorded. */
  percentileMs(p: number): number | undefined {
    if (this.count === 0) return undefined
    // The top of the sample's bucket can lie above the largest sample itself; never report p99 > max.
    return Math.min(this.histogram.getValueAtPercentile(p), this.histogram.maxValue) / 1000
  }

  aggregateMs(aggregation: string, percentile?: number): number | undefined {
    if (this.count === 0) return undefined
    switch (aggregation) {
      case 'p': {
        return this.percentileMs(percentile ?? 50)
      }

      case 'med': {
        return this.percentileMs(50)
      }

      case 'avg': {
        return this.histogram.mean / 1000
      }

      case 'min': {
        return this.histogram.minNonZeroValue / 1000
      }

      case 'max': {
        return this.histogram.maxValue / 1000
      }

      default: {
        return undefined
      }
    }
  }

  summary(): LatencySummary {
    const read = (p: number) => round(this.percentileMs(p) ?? 0)
    return {
      count: this.count,
      min: round(this.aggregateMs('min') ?? 0),
      avg: round(this.aggregateMs('avg') ?? 0),
      p50: read(50),
      p90: read(90),
      p95: read(95),
      p99: read(99),
      max: round(this.aggregateMs('max') ?? 0),
    }
  }
}

/** Three decimals of a millisecond is the histogram's resolution; more digits would be noise. */
export function round(ms: number): number {
  return Math.round(ms * 1000) / 1000
}
