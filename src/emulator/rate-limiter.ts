import {TimeWindow} from './time-window.js'

export interface RateLimitOptions {
  limit: number
  windowMs: number
  retryAfterSeconds?: number
}

/**
 * A sliding-log limiter per site id: at most `limit` admitted requests in any trailing window.
 * Rejected requests are not logged, so a client that backs off gets through as soon as the
 * oldest admitted request leaves the window.
 */
export class SlidingWindowLimiter {
  private readonly windows = new Map<string, TimeWindow>()

  constructor(readonly options: RateLimitOptions) {}

  tryAdmit(key: string, now: number): boolean {
    let window = this.windows.get(key)
    if (!window) {
      window = new TimeWindow(this.options.windowMs)
      this.windows.set(key, window)
    }

    window.evict(now)
    if (window.size >= this.options.limit) return false
    window.push(now)
    return true
  }

  reset(): void {
    this.windows.clear()
  }
}
