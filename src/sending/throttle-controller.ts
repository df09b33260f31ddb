/**
 * How fast we may go right now. A 429 halves the rate for the whole run and pauses every start until
 * Retry-After has passed; each quiet second then adds back a tenth of the target (AIMD), so one
 * throttled request slows the run instead of being retried into a storm.
 */
export class ThrottleController {
  private current: number
  private pausedUntil = 0
  private lastThrottleAt = -Infinity
  private lastIncreaseAt = 0

  constructor(
    private readonly target: number,
    private readonly onRateChange: (rate: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.current = target
  }

  get rate(): number {
    return this.current
  }

  /** Milliseconds until starts are allowed again (0 when not paused). */
  pauseRemaining(): number {
    return Math.max(0, Math.ceil(this.pausedUntil - this.now()))
  }

  throttled(retryAfterMs: number | null): void {
    const t = this.now()
    // Up to 20% on top of Retry-After, so a run does not come back in lockstep with a periodic limit.
    const wait = (retryAfterMs ?? 1000) * (1 + Math.random() * 0.2)
    this.pausedUntil = Math.max(this.pausedUntil, t + wait)
    // Many requests in flight see the same 429 burst: halve once per burst, not once per response.
    if (t - this.lastThrottleAt > 1000) {
      this.setRate(Math.max(1, this.current / 2))
    }

    this.lastThrottleAt = t
    this.lastIncreaseAt = t
  }

  /** Called on every successful response: recover gradually once a second has passed quietly. */
  succeeded(): void {
    if (this.current >= this.target) return
    const t = this.now()
    if (t < this.pausedUntil || t - this.lastIncreaseAt < 1000) return
    this.lastIncreaseAt = t
    this.setRate(Math.min(this.target, this.current + Math.max(1, this.target / 10)))
  }

  private setRate(rate: number): void {
    if (rate === this.current) return
    this.current = rate
    this.onRateChange(rate)
  }
}
