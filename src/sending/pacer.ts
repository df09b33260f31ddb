import Bottleneck from 'bottleneck'

import {StartWindow} from './start-window.js'
import {ThrottleController} from './throttle-controller.js'

export interface PacerOptions {
  /** Request starts per second, at most, in any sliding second. */
  rate: number
  /** Requests in flight at most. */
  concurrency: number
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

function minTimeFor(rate: number): number {
  // Round up: 12 ms at 80/s would be 83/s.
  return Math.ceil(1000 / rate)
}

/**
 * Every HTTP attempt (first tries and retries alike) goes through one Pacer, so the whole run,
 * retries included, stays inside the rate budget.
 */
export class Pacer {
  private readonly limiter: Bottleneck
  private readonly window: StartWindow
  readonly throttle: ThrottleController

  constructor(options: PacerOptions) {
    this.limiter = new Bottleneck({maxConcurrent: options.concurrency, minTime: minTimeFor(options.rate)})
    this.limiter.on('error', () => {
      // Job errors reach the caller through schedule(); this only keeps bottleneck from warning.
    })
    this.window = new StartWindow(options.rate)
    this.throttle = new ThrottleController(options.rate, (rate) => {
      this.window.setLimit(rate)
      this.limiter.updateSettings({minTime: minTimeFor(rate)})
    })
  }

  /** Run `request` when the pace allows; resolves or rejects with its result. */
  run<T>(request: () => Promise<T>): Promise<T> {
    return this.limiter.schedule(async () => {
      for (;;) {
        const paused = this.throttle.pauseRemaining()
        if (paused > 0) {
          await sleep(paused)
          continue
        }

        const wait = this.window.tryStart()
        if (wait === 0) break
        await sleep(wait)
      }

      return request()
    })
  }

  get running(): number {
    return this.limiter.counts().EXECUTING
  }

  async stop(): Promise<void> {
    await this.limiter.stop({dropWaitingJobs: true}).catch(() => {})
  }
}
