import Bottleneck from 'bottleneck'

import type {RateBudget} from './rate-budget.js'

export interface PacerOptions {
  /** Where start permits come from: in-process, or shared with other processes through Redis. */
  budget: RateBudget
  /** This process's target rate: spaces its starts so they do not come in bursts. */
  rate: number
  /** Requests in flight at most, in this process. */
  concurrency: number
  /**
   * The budget is this process's own StartWindow, exact to the request: space starts a tenth under even,
   * so timer lateness never makes the spacing (rather than the window) what bounds the rate. A shared
   * budget keeps the even spacing: with 3 processes on one Redis budget the tighter spacing let 429s through.
   */
  tightSpacing?: boolean
}

function minTimeFor(rate: number, tight: boolean): number {
  // Round up: 12 ms at 80/s would be 83/s. Tight: ceil(1000 / rate) held --rate 80 to 76.9/s (13 ms), and
  // even an exact 12.5 ms reached 93-95% of --rate here (each timer fires a little late).
  return tight ? (0.9 * 1000) / Math.max(1, rate) : Math.ceil(1000 / Math.max(1, rate))
}

/**
 * Every HTTP attempt (first tries and retries alike) goes through one Pacer: bottleneck bounds the
 * requests in flight here and spaces starts, and the budget gives the permit that keeps the run (or
 * every process sharing the budget), retries included, inside --rate.
 */
export class Pacer {
  private readonly limiter: Bottleneck
  private spacedFor: number
  private readonly tight: boolean
  readonly budget: RateBudget

  constructor(options: PacerOptions) {
    this.budget = options.budget
    this.spacedFor = Math.floor(options.rate)
    this.tight = options.tightSpacing ?? false
    this.limiter = new Bottleneck({maxConcurrent: options.concurrency, minTime: minTimeFor(options.rate, this.tight)})
    this.limiter.on('error', () => {
      // Job errors reach the caller through schedule(); this only keeps bottleneck from warning.
    })
  }

  /**
   * Run `request` once the budget gives a permit; resolves or rejects with its result. Rejects with
   * BudgetStoppedError at once when `signal` aborts while waiting.
   */
  run<T>(request: () => Promise<T>, signal: AbortSignal): Promise<T> {
    return this.limiter.schedule(async () => {
      const permit = await this.budget.acquire(signal)
      this.respace()
      try {
        return await request()
      } finally {
        if (permit) permit.answered()
      }
    })
  }

  /** After 429s, spread this process's starts at the lowered rate rather than bursting to the cap. */
  private respace(): void {
    const rate = Math.max(1, Math.floor(this.budget.rate))
    if (rate === this.spacedFor) return
    this.spacedFor = rate
    this.limiter.updateSettings({minTime: minTimeFor(rate, this.tight)})
  }

  get running(): number {
    return this.limiter.counts().EXECUTING
  }

  async stop(): Promise<void> {
    await this.limiter.stop({dropWaitingJobs: true}).catch(() => {})
  }
}
