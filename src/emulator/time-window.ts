/**
 * Arrival times inside one trailing window, kept in a growable ring buffer. Memory is bounded
 * by the most arrivals that ever fit in one window, not by the total seen.
 */
export class TimeWindow {
  private times = new Float64Array(64)
  private head = 0
  private count = 0

  constructor(readonly windowMs: number) {}

  get size(): number {
    return this.count
  }

  /** Drop arrivals that are no longer inside the window ending at `now` (window is (now - windowMs, now]). */
  evict(now: number): void {
    const cutoff = now - this.windowMs
    while (this.count > 0 && this.times[this.head] <= cutoff) {
      this.head = (this.head + 1) % this.times.length
      this.count--
    }
  }

  push(time: number): void {
    if (this.count === this.times.length) this.grow()
    this.times[(this.head + this.count) % this.times.length] = time
    this.count++
  }

  /** The earliest arrival still inside the window, or undefined when empty. */
  oldest(): number | undefined {
    return this.count > 0 ? this.times[this.head] : undefined
  }

  clear(): void {
    this.head = 0
    this.count = 0
  }

  private grow(): void {
    const bigger = new Float64Array(this.times.length * 2)
    for (let i = 0; i < this.count; i++) bigger[i] = this.times[(this.head + i) % this.times.length]
    this.times = bigger
    this.head = 0
  }
}

/** The most arrivals seen in any window of `windowMs`, updated as each arrival is recorded. */
export class SlidingPeak {
  private readonly window: TimeWindow
  private best = 0

  constructor(windowMs = 1000) {
    this.window = new TimeWindow(windowMs)
  }

  record(time: number): void {
    this.window.evict(time)
    this.window.push(time)
    if (this.window.size > this.best) this.best = this.window.size
  }

  get peak(): number {
    return this.best
  }

  reset(): void {
    this.window.clear()
    this.best = 0
  }
}

/** The last `capacity` arrival times, oldest first when read. */
export class RecentTimes {
  private readonly times: Float64Array
  private next = 0
  private filled = 0

  constructor(capacity = 100_000) {
    this.times = new Float64Array(capacity)
  }

  record(time: number): void {
    this.times[this.next] = time
    this.next = (this.next + 1) % this.times.length
    if (this.filled < this.times.length) this.filled++
  }

  list(): number[] {
    const out = new Array<number>(this.filled)
    const start = (this.next - this.filled + this.times.length) % this.times.length
    for (let i = 0; i < this.filled; i++) out[i] = this.times[(start + i) % this.times.length]
    return out
  }

  reset(): void {
    this.next = 0
    this.filled = 0
  }
}
