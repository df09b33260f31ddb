import {RecentTimes, SlidingPeak} from './time-window.js'

export interface RequestStats {
  total: number
  /** HTTP status as a string; 'reset' for connections destroyed by fault injection, 'stalled' for stalls that never answered. */
  byStatus: Record<string, number>
  /** e.g. "PUT /api/v1/customers/:identifier", "POST /api/v2/batch", "unknown". */
  byRoute: Record<string, number>
}

/** Counters for Track traffic (never the /__emulator routes). */
export class TrafficStats {
  private total = 0
  private byStatus = new Map<string, number>()
  private byRoute = new Map<string, number>()
  private readonly peak = new SlidingPeak(1000)
  private readonly recent = new RecentTimes(100_000)
  entriesApplied = 0

  /** Outcomes since the last traffic line. */
  private interval = new Map<string, number>()
  private intervalRequests = 0

  arrive(time: number, route: string): void {
    this.total++
    this.intervalRequests++
    this.byRoute.set(route, (this.byRoute.get(route) ?? 0) + 1)
    this.peak.record(time)
    this.recent.record(time)
  }

  outcome(status: number | 'reset' | 'stalled'): void {
    const key = String(status)
    this.byStatus.set(key, (this.byStatus.get(key) ?? 0) + 1)
    this.interval.set(key, (this.interval.get(key) ?? 0) + 1)
  }

  requests(): RequestStats {
    return {total: this.total, byStatus: Object.fromEntries(this.byStatus), byRoute: Object.fromEntries(this.byRoute)}
  }

  get maxRequestsInSlidingSecond(): number {
    return this.peak.peak
  }

  requestTimes(): number[] {
    return this.recent.list()
  }

  /** Requests and outcomes since the previous call, for the once-a-second traffic line. */
  takeInterval(): {requests: number; outcomes: Record<string, number>} | undefined {
    if (this.intervalRequests === 0 && this.interval.size === 0) return undefined
    const snapshot = {requests: this.intervalRequests, outcomes: Object.fromEntries(this.interval)}
    this.intervalRequests = 0
    this.interval = new Map()
    return snapshot
  }

  reset(): void {
    this.total = 0
    this.byStatus.clear()
    this.byRoute.clear()
    this.peak.reset()
    this.recent.reset()
    this.entriesApplied = 0
    this.interval.clear()
    this.intervalRequests = 0
  }
}

/** Arrival time with sub-millisecond resolution, in ms since the epoch. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now()
}
