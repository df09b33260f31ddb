/** How many recent round trips the fastest one is taken from (a route that changes mid-run is picked up). */
const RTT_HISTORY = 256

/** Margins measured with bench/arrival-lag.js; see BENCHMARKS.md, "Issue 13: yardstick and pacing". */
export const START_WINDOW = {
  /**
   * Added to one second for every start. Once a request's round-trip excess is waited out (below), what
   * is left of "arrival trails start by a varying lag" measured at most 0.03 ms here (client idle or busy
   * parsing); 5 ms covers timer rounding and clocks read at slightly different points, for 0.5% of --rate.
   */
  marginMs: 5,
  /**
   * The most a slow round trip holds its slot beyond the margin. A request answered late may have reached
   * the server late (measured: lags of 105-253 ms under a busy client, always inside its round trip's excess),
   * so it could share the server's second with a request started a second after it. Past this bound a
   * request still unanswered is presumed to have arrived: a stall must not hold the pace for its whole timeout.
   */
  maxExtraMs: 250,
}

/**
 * A hard cap on request starts: at most `limit` in any window of one second plus a margin, where the
 * margin is sized per request. bottleneck's minTime only spaces starts (timer jitter can squeeze gaps),
 * and the promise to users is "never more than --rate in any sliding second *as the server sees it*".
 *
 * A request arrives at the server some time after it starts here; what matters is how much that lag
 * varies: starts k and k+limit 1000 ms apart arrive less than 1000 ms apart when k's lag is the longer.
 * A flat margin big enough for the worst lag (100+ ms under load) costs 10% of --rate at every second;
 * instead each start keeps its slot for 1000 ms + `marginMs` + its round trip's excess over the fastest
 * recent round trip (capped): the lag of a request cannot exceed its round trip, so a request that was
 * slow to arrive is also slow to be answered, and only those pay. At steady state on a healthy server
 * the window is 1005 ms: 99.5% of --rate.
 */
export class StartWindow {
  /** Start times, and the round trip of each (NaN until answered); index i is start number base + i. */
  private readonly starts: number[] = []
  private readonly rtts: number[] = []
  private base = 0
  /** Index of the oldest start that may still block. */
  private head = 0
  private readonly recentRtts: number[] = []
  private fastest = Number.POSITIVE_INFINITY

  constructor(
    private limit: number,
    private readonly now: () => number = () => performance.now(),
    private readonly margins: {marginMs: number; maxExtraMs: number} = START_WINDOW,
  ) {}

  setLimit(limit: number): void {
    this.limit = Math.max(1, Math.floor(limit))
  }

  /**
   * Milliseconds to wait before a start is allowed; 0 means start now, and the start is recorded
   * (tell answered() its number, `this.lastStart`, when its answer comes back).
   */
  tryStart(): number {
    const t = this.now()
    this.forgetOld(t)
    const blocking = this.starts.length - this.limit
    if (blocking >= this.head) {
      const rtt = this.rtts[blocking]
      const freeAt = this.starts[blocking] + 1000 + this.margins.marginMs + this.extraFor(rtt)
      if (t < freeAt) {
        const wait = Math.max(1, Math.ceil(freeAt - t))
        // Unanswered yet: its answer may free the slot sooner than the bound, so look again soon.
        return Number.isNaN(rtt) ? Math.min(wait, 5) : wait
      }
    }

    this.starts.push(t)
    this.rtts.push(Number.NaN)
    return 0
  }

  /** Number of the start tryStart() last recorded (for answered()). */
  get lastStart(): number {
    return this.base + this.starts.length - 1
  }

  /** Start number `start` got its answer (any answer, or none: a reset, a timeout) now. */
  answered(start: number): void {
    const i = start - this.base
    const rtt = this.now() - (this.starts[i] ?? Number.NaN)
    if (i >= 0 && i < this.starts.length) this.rtts[i] = rtt
    if (Number.isNaN(rtt)) return
    this.recentRtts.push(rtt)
    if (rtt < this.fastest) this.fastest = rtt
    if (this.recentRtts.length > RTT_HISTORY) {
      const dropped = this.recentRtts.shift()!
      if (dropped <= this.fastest) this.fastest = Math.min(...this.recentRtts)
    }
  }

  /** How long beyond the margin a start with this round trip keeps its slot. */
  private extraFor(rtt: number): number {
    if (Number.isNaN(rtt)) return this.margins.maxExtraMs
    const excess = rtt - (Number.isFinite(this.fastest) ? this.fastest : rtt)
    return Math.min(this.margins.maxExtraMs, Math.max(0, excess))
  }

  /** Starts older than the longest a slot is held never block again (a limit raised after 429s included). */
  private forgetOld(t: number): void {
    const horizon = t - (1000 + this.margins.marginMs + this.margins.maxExtraMs)
    while (this.head < this.starts.length && this.starts[this.head] <= horizon) this.head++
    if (this.head > 1024 && this.head * 2 > this.starts.length) {
      this.starts.splice(0, this.head)
      this.rtts.splice(0, this.head)
      this.base += this.head
      this.head = 0
    }
  }
}
