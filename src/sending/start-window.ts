/**
 * A hard cap on request starts per sliding window. bottleneck's minTime spaces starts, but timer jitter
 * can squeeze a few gaps (research: 78-83 starts in a sliding second at a nominal 77), and the
 * promise to users is "never more than --rate in any sliding second". This makes that exact.
 */
export class StartWindow {
  private readonly starts: number[] = []
  private head = 0

  constructor(
    private limit: number,
    /**
     * One second plus a margin: a request's arrival at the server trails its start here by a few
     * milliseconds that vary (a new connection, a busy event loop), so exactly 1000 ms apart here can
     * be 950 ms apart there under load. The margin costs at most 9% of --rate when the cap binds.
     */
    private readonly windowMs = 1100,
    private readonly now: () => number = () => performance.now(),
  ) {}

  setLimit(limit: number): void {
    this.limit = Math.max(1, Math.floor(limit))
  }

  /** Milliseconds to wait before a start is allowed; 0 means start now (and the start is recorded). */
  tryStart(): number {
    const t = this.now()
    while (this.head < this.starts.length && this.starts[this.head] <= t - this.windowMs) this.head++
    if (this.head > 1024 && this.head * 2 > this.starts.length) {
      this.starts.splice(0, this.head)
      this.head = 0
    }

    const inWindow = this.starts.length - this.head
    if (inWindow >= this.limit) {
      const oldestThatBlocks = this.starts[this.starts.length - this.limit]
      return Math.max(1, Math.ceil(oldestThatBlocks + this.windowMs - t))
    }

    this.starts.push(t)
    return 0
  }
}
