import {seededRandom} from './prng.js'

export interface FaultOptions {
  /** Probability of answering 500/502/503 with a load-balancer HTML body; the request is not applied. */
  errorRate?: number
  /** Probability of destroying the connection instead of answering. */
  resetRate?: number
  /** 'before': the request is not applied; 'after': it is applied, then the client sees the reset. */
  resetWhen?: 'before' | 'after'
  /** Added to every response. */
  latencyMs?: number
  /** Up to this much more, uniformly. */
  latencyJitterMs?: number
  /** Probability of holding the response for stallMs (applied or not as resetWhen says). */
  stallRate?: number
  stallMs?: number
  /** Forced 429 for the first throttledMs of every periodMs. */
  throttle?: {periodMs: number; throttledMs: number}
  /** Every Track request answers this status until cleared with null. */
  forceStatus?: number | null
  /**
   * A request whose body contains this text is refused as a whole with 400 (the real API's answer to
   * a malformed request) and not applied: one poisoned row makes its whole batch fail, as a client
   * that splits batches to isolate bad rows must handle.
   */
  refuseBodiesContaining?: string | null
  /**
   * A v2 batch entry whose JSON contains this text is refused on its own (207, reason `invalid`,
   * field `entry`) while the rest of the batch lands: the per-entry failure a client must map back to
   * its row. Conflicts used to produce these; production answers those with 200, so this is the way
   * to rehearse a 207 now.
   */
  rejectEntriesContaining?: string | null
}

export interface FaultDecision {
  forceStatus?: number
  /** Milliseconds left in the current forced-429 period, or 0 when not throttled. */
  throttledForMs: number
  errorStatus?: 500 | 502 | 503
  reset?: 'before' | 'after'
  stall?: 'before' | 'after'
  latencyMs: number
}

const ERROR_STATUSES = [500, 502, 503] as const

/**
 * Decides the faults for each Track request. It draws the same number of random values for every
 * request whatever is configured, so with a seed the n-th request always gets the same fate.
 */
export class FaultInjector {
  private faults: FaultOptions
  private random: () => number
  private since: number

  constructor(faults: FaultOptions = {}, seed?: number) {
    this.faults = faults
    this.random = seededRandom(seed ?? Math.floor(Math.random() * 2 ** 32))
    this.since = Date.now()
  }

  get current(): FaultOptions {
    return this.faults
  }

  /** Replaces the fault set; throttle periods restart from now. */
  set(faults: FaultOptions): void {
    this.faults = faults
    this.since = Date.now()
  }

  decide(now = Date.now()): FaultDecision {
    const f = this.faults
    const [errorDraw, errorPick, resetDraw, stallDraw, jitterDraw] = [this.random(), this.random(), this.random(), this.random(), this.random()]
    const when = f.resetWhen ?? 'before'
    const phase = f.throttle && f.throttle.periodMs > 0 ? (now - this.since) % f.throttle.periodMs : 0
    const throttledForMs = f.throttle && phase < f.throttle.throttledMs ? f.throttle.throttledMs - phase : 0
    return {
      forceStatus: f.forceStatus ?? undefined,
      throttledForMs,
      errorStatus: errorDraw < (f.errorRate ?? 0) ? ERROR_STATUSES[Math.floor(errorPick * ERROR_STATUSES.length)] : undefined,
      reset: resetDraw < (f.resetRate ?? 0) ? when : undefined,
      stall: stallDraw < (f.stallRate ?? 0) ? when : undefined,
      latencyMs: (f.latencyMs ?? 0) + jitterDraw * (f.latencyJitterMs ?? 0),
    }
  }
}

/** Checks a FaultOptions object from JSON (PUT /__emulator/faults); returns a problem or undefined. */
export function faultOptionsProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'faults must be a JSON object'
  const f = value as Record<string, unknown>
  const known = new Set(['errorRate', 'resetRate', 'resetWhen', 'latencyMs', 'latencyJitterMs', 'stallRate', 'stallMs', 'throttle', 'forceStatus', 'refuseBodiesContaining', 'rejectEntriesContaining'])
  for (const key of Object.keys(f)) if (!known.has(key)) return `unknown fault option '${key}'`
  for (const key of ['errorRate', 'resetRate', 'stallRate']) {
    const v = f[key]
    if (v !== undefined && (typeof v !== 'number' || v < 0 || v > 1)) return `${key} must be a probability between 0 and 1`
  }

  for (const key of ['latencyMs', 'latencyJitterMs', 'stallMs']) {
    const v = f[key]
    if (v !== undefined && (typeof v !== 'number' || v < 0)) return `${key} must be a number of milliseconds >= 0`
  }

  if (f.resetWhen !== undefined && f.resetWhen !== 'before' && f.resetWhen !== 'after') return "resetWhen must be 'before' or 'after'"
  if (f.throttle !== undefined) {
    const t = f.throttle as Record<string, unknown> | null
    if (!t || typeof t.periodMs !== 'number' || typeof t.throttledMs !== 'number' || t.periodMs <= 0 || t.throttledMs < 0) {
      return 'throttle must be {periodMs > 0, throttledMs >= 0}'
    }
  }

  if (f.forceStatus !== undefined && f.forceStatus !== null && (!Number.isInteger(f.forceStatus) || (f.forceStatus as number) < 200 || (f.forceStatus as number) > 599)) {
    return 'forceStatus must be an HTTP status (200-599) or null'
  }

  for (const key of ['refuseBodiesContaining', 'rejectEntriesContaining']) {
    const text = f[key]
    if (text !== undefined && text !== null && (typeof text !== 'string' || text === '')) return `${key} must be a non-empty string or null`
  }

  return undefined
}
