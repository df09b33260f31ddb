/**
 * How fast a budget may go after 429s, as pure state transitions so the in-process budget and the
 * Redis one (which keeps this state in Redis, on Redis's clock) behave the same.
 *
 * A 429 pauses every start until Retry-After has passed and lowers the rate. The rate at which the 429
 * came is remembered: the first time, the rate halves (we know nothing about the limit yet); when the
 * limit is hit again near the remembered rate, the limit is evidently there, so the rate goes to 90%
 * of it and probes upward by 0.5% of it per quiet second (a 429 every ~20 s at a steady limit). Below 90% of the remembered rate it climbs
 * by a tenth of the target per second. (Halving every time and adding back a tenth of the target made
 * a sawtooth that used 61% of a 40/s server limit at --rate 160.)
 */
export interface ThrottleState {
  /** Requests per second allowed now. */
  rate: number
  /** The rate at which the last 429 came, or null before any. */
  hitRate: number | null
  /** Budget clock, ms. */
  pausedUntil: number
  lastThrottleAt: number
  lastIncreaseAt: number
}

/** 429s closer together than this are one burst (many requests in flight see the same limit). */
const BURST_MS = 1000
/** A second hit within this factor of the remembered one means the limit is there. */
const SAME_LIMIT = 1.25

export function initialThrottleState(target: number): ThrottleState {
  return {rate: target, hitRate: null, pausedUntil: 0, lastThrottleAt: Number.NEGATIVE_INFINITY, lastIncreaseAt: 0}
}

/** `jitter` in [0, 1): up to 20% on top of Retry-After, so senders do not come back in lockstep. */
export function afterThrottle(state: ThrottleState, now: number, retryAfterMs: number | null, jitter: number): ThrottleState {
  const next = {...state}
  next.pausedUntil = Math.max(state.pausedUntil, now + (retryAfterMs ?? 1000) * (1 + jitter * 0.2))
  if (now - state.lastThrottleAt > BURST_MS) {
    const hit = state.rate
    const knownLimit = state.hitRate !== null && hit <= state.hitRate * SAME_LIMIT && hit >= state.hitRate / SAME_LIMIT
    next.rate = Math.max(1, knownLimit ? hit * 0.9 : hit / 2)
    next.hitRate = hit
  }

  next.lastThrottleAt = now
  next.lastIncreaseAt = now
  return next
}

/** After a success: the next state, or null when nothing changes (the common case). */
export function afterSuccess(state: ThrottleState, now: number, target: number): ThrottleState | null {
  if (state.rate >= target) return null
  if (now < state.pausedUntil || now - state.lastIncreaseAt < 1000) return null
  const near = state.hitRate === null ? target : state.hitRate * 0.9
  const step = state.rate < near ? Math.max(1, target / 10) : Math.max(0.2, (state.hitRate ?? target) / 200)
  const ceiling = state.rate < near ? near : target
  const rate = Math.min(target, Math.max(state.rate, Math.min(ceiling, state.rate + step)))
  // Well past the remembered limit without a 429: it was lifted (or was someone else's traffic); forget it.
  const hitRate = state.hitRate !== null && rate > state.hitRate * SAME_LIMIT ? null : state.hitRate
  return {...state, rate, hitRate, lastIncreaseAt: now}
}
