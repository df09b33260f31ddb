import {setTimeout as sleep} from 'node:timers/promises'

import type {PlannedArrival} from './schedule.js'

export interface ArrivalLoopOptions<T> {
  schedule: Iterable<PlannedArrival>
  /** In-flight cap. An arrival that finds it full is dropped and reported, never queued. */
  maxInFlight: number
  /** Monotonic milliseconds (performance.now in production). */
  now: () => number
  /** Stops scheduling new arrivals; in-flight work is left to drain(). */
  signal?: AbortSignal
  /** Start one arrival's work. Never awaited by the loop: the next arrival keeps its own time. */
  launch: (arrival: PlannedArrival, sentAtMs: number, lagMs: number) => Promise<T>
  /** A launched arrival finished (only reported until drain() gives up on the rest). */
  onSettled: (result: T) => void
  onDropped: (arrival: PlannedArrival, atMs: number) => void
}

/**
 * The open-model arrival loop. Every start time is planned against one fixed start, and the loop
 * waits for `start + atMs` before each arrival (firing at once when already late), so lag never
 * accumulates and slow responses never slow the arrivals down.
 */
export class ArrivalLoop<T> {
  private readonly inFlight = new Set<Promise<void>>()
  private closed = false
  /** launch() is expected never to reject; if it does, that bug surfaces from drain() instead of vanishing. */
  private unexpected: unknown
  /** Value of now() when the arrivals' clock started; set by run(). */
  startedAt = 0
  /** The same instant in wall-clock milliseconds, to line the run up with server-side timestamps. */
  startedAtEpochMs = 0

  constructor(private readonly options: ArrivalLoopOptions<T>) {}

  get inFlightCount(): number {
    return this.inFlight.size
  }

  async run(): Promise<void> {
    const {schedule, maxInFlight, now, signal} = this.options
    this.startedAt = now()
    this.startedAtEpochMs = Date.now()
    for (const arrival of schedule) {
      const due = this.startedAt + arrival.atMs
      // Timers fire at whole milliseconds; sleeping for less than half a millisecond only adds lag.
      while (due - now() > 0.5 && !signal?.aborted) {
        try {
          await sleep(due - now(), undefined, {signal})
        } catch {
          break
        }
      }

      if (signal?.aborted) return
      const sentAtMs = now() - this.startedAt
      if (this.inFlight.size >= maxInFlight) {
        this.options.onDropped(arrival, sentAtMs)
        continue
      }

      this.start(arrival, sentAtMs, Math.max(0, sentAtMs - arrival.atMs))
    }
  }

  private start(arrival: PlannedArrival, sentAtMs: number, lagMs: number): void {
    const tracked: Promise<void> = this.options
      .launch(arrival, sentAtMs, lagMs)
      .then((result) => {
        if (!this.closed) this.options.onSettled(result)
      })
      .catch((error: unknown) => {
        this.unexpected ??= error
      })
      .finally(() => this.inFlight.delete(tracked))
    this.inFlight.add(tracked)
  }

  /**
   * Wait up to `graceMs` for in-flight work (k6 gracefulStop), then stop listening. Returns how many
   * operations were still running: they are interrupted and counted, not silently discarded.
   */
  async drain(graceMs: number): Promise<number> {
    if (this.inFlight.size > 0) {
      const timer = new AbortController()
      await Promise.race([
        Promise.allSettled([...this.inFlight]),
        sleep(graceMs, undefined, {signal: timer.signal}).catch(() => {}),
      ])
      timer.abort()
    }

    this.closed = true
    if (this.unexpected !== undefined) throw this.unexpected
    return this.inFlight.size
  }
}
