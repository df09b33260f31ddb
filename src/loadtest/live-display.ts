export interface LiveFigures {
  elapsedMs: number
  totalMs: number
  targetRate: number
  currentRate: number
  inFlight: number
  p95Ms: number | undefined
  errors: number
  rateLimited: number
  dropped: number
  /** Of `dropped`: refused by the shared rate budget. */
  droppedByBudget: number
  /** Why the shared budget refuses everything right now (Redis unreachable), or null. */
  budgetHold: string | null
  failedThresholds: number
}

export interface LiveDisplayOptions {
  stream: NodeJS.WritableStream & {isTTY?: boolean}
  read: () => LiveFigures
  /** Refresh period on a terminal. */
  ttyIntervalMs?: number
  /** Period of full lines when stderr is a file or pipe (CI logs). */
  lineIntervalMs?: number
}

/** m:ss, like a stopwatch: 95 s -> "1:35". */
function clock(ms: number): string {
  const seconds = Math.floor(ms / 1000)
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
}

export function formatLiveLine(f: LiveFigures): string {
  const p95 = f.p95Ms === undefined ? '-' : `${Math.round(f.p95Ms)}ms`
  return (
    `${clock(f.elapsedMs)}/${clock(f.totalMs)}` +
    `  rate ${f.currentRate}/s (target ${Math.round(f.targetRate)})  in flight ${f.inFlight}  p95 ${p95}` +
    `  errors ${f.errors} (429: ${f.rateLimited})  dropped ${f.dropped}` +
    (f.droppedByBudget > 0 ? ` (budget ${f.droppedByBudget})` : '') +
    (f.budgetHold ? `  PAUSED: ${f.budgetHold}` : '') +
    (f.failedThresholds > 0 ? `  thresholds failing: ${f.failedThresholds}` : '')
  )
}

/** Live progress on stderr: one refreshing line on a terminal, a plain line every few seconds elsewhere. */
export class LiveDisplay {
  private timer: NodeJS.Timeout | undefined
  private readonly tty: boolean

  constructor(private readonly options: LiveDisplayOptions) {
    this.tty = Boolean(options.stream.isTTY) && process.env.TERM !== 'dumb'
  }

  start(): void {
    const interval = this.tty ? (this.options.ttyIntervalMs ?? 250) : (this.options.lineIntervalMs ?? 5000)
    this.timer = setInterval(() => this.render(), interval)
    this.timer.unref()
  }

  private render(): void {
    const line = formatLiveLine(this.options.read())
    this.options.stream.write(this.tty ? `\r\u001B[2K${line}` : `${line}\n`)
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    this.render()
    if (this.tty) this.options.stream.write('\n')
  }
}
