import {randomBytes} from 'node:crypto'
import {Redis} from 'ioredis'

import {redactBudgetUrl} from './budget-url.js'
import {BudgetLostError, BudgetStoppedError, BudgetUnreachableError, type RateBudget, sleepUnless} from './rate-budget.js'
import {afterSuccess, afterThrottle, initialThrottleState, type ThrottleState} from './rate-governor.js'

/**
 * Check-and-reserve in one step, on Redis's clock (TIME, microseconds), so machines' clocks do not
 * matter: drop starts older than the window from a sorted set, and if fewer than the limit remain,
 * add this start; otherwise answer how long until the oldest start that blocks leaves the window.
 * The 429 state (JSON, ms on the same clock) can pause every sender and lower the limit.
 * Returns {wait ms (0 = granted), the limit applied}. Scores and members are written with %d:
 * Lua's tostring keeps 14 digits, which would merge microseconds.
 */
const ACQUIRE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local raw = redis.call('GET', KEYS[2])
if raw then
  local s = cjson.decode(raw)
  local pausedUntil = tonumber(s.pausedUntil) or 0
  local nowMs = now / 1000
  if pausedUntil > nowMs then return {math.ceil(pausedUntil - nowMs), limit} end
  local rate = tonumber(s.rate)
  if rate and rate < limit then limit = math.max(1, math.floor(rate)) end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now - window))
local n = redis.call('ZCARD', KEYS[1])
if n < limit then
  redis.call('ZADD', KEYS[1], string.format('%d', now), ARGV[3] .. ':' .. string.format('%d', now))
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
  return {0, limit}
end
local oldest = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
return {math.max(1, math.ceil((tonumber(oldest[2]) + window - now) / 1000)), limit}
`

/** The 429 state and Redis's clock (ms, as a string: Lua numbers come back as integers). */
const READ_STATE_LUA = `
local t = redis.call('TIME')
return {redis.call('GET', KEYS[1]) or '', string.format('%d', tonumber(t[1]) * 1000000 + tonumber(t[2]))}
`

/** Compare-and-set of the 429 state, so concurrent 429s from many processes compose. */
const SWAP_STATE_LUA = `
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`

interface BudgetCommands {
  cioAcquire(log: string, state: string, limit: number, windowUs: number, member: string): Promise<[number, number]>
  cioReadState(state: string): Promise<[string, string]>
  cioSwapState(state: string, expected: string, next: string, ttlMs: number): Promise<number>
}

export interface RedisBudgetOptions {
  /** redis://[user:pass@]host:port[/db] or rediss://; only ever shown redacted. */
  url: string
  /** Key prefix (budgetKeyFor): one per workspace. */
  key: string
  /** This process's --rate: no sliding window of the shared log holds more starts than this. */
  rate: number
  /**
   * The sliding window, ms, by Redis's clock. A little over a second: a start reaches the server a
   * few ms after Redis granted it, and that delay varies between processes (reply delivery, a busy
   * event loop), so two starts exactly 1000 ms apart at Redis can be closer at the server. 1100 ms costs
   * at most 9% of --rate, measured to hold (scale-out.md); the in-process StartWindow sizes its margin per
   * request from the round trip instead (BENCHMARKS.md, issue 13), which a shared log does not (yet) do.
   */
  windowMs?: number
  /** How long sending may stay paused on an unreachable Redis before the run stops (resumably). */
  outageLimitMs?: number
  connectTimeoutMs?: number
}

const STATE_TTL_MS = 10 * 60_000
/** ask()'s answer for a grant that arrived too late to use (see there). */
const STALE = -1

export async function connectRedisBudget(options: RedisBudgetOptions): Promise<RateBudget> {
  const shown = redactBudgetUrl(options.url)
  let connectedOnce = false
  const redis = new Redis(options.url, {
    lazyConnect: true,
    // Fail fast while disconnected: the budget waits and says so instead of queueing blind.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: options.connectTimeoutMs ?? 3000,
    commandTimeout: 2000,
    // Keep reconnecting once it has worked; at start, one failure is the answer (exit 2).
    retryStrategy: (times) => (connectedOnce ? Math.min(100 * times, 1000) : null),
  })
  redis.on('error', () => {
    // Reported through failed commands (holdReason); without a listener ioredis prints to stderr.
  })
  redis.defineCommand('cioAcquire', {numberOfKeys: 2, lua: ACQUIRE_LUA})
  redis.defineCommand('cioReadState', {numberOfKeys: 1, lua: READ_STATE_LUA})
  redis.defineCommand('cioSwapState', {numberOfKeys: 1, lua: SWAP_STATE_LUA})
  try {
    await redis.connect()
    await redis.ping()
    connectedOnce = true
  } catch (error) {
    redis.disconnect()
    throw new BudgetUnreachableError(`cannot reach the rate budget at ${shown}: ${(error as Error).message}`)
  }

  return new RedisBudget(redis as Redis & BudgetCommands, options, shown)
}

class RedisBudget implements RateBudget {
  private readonly logKey: string
  private readonly stateKey: string
  private readonly windowUs: number
  private readonly outageLimitMs: number
  private readonly token = randomBytes(6).toString('hex')
  private seq = 0
  private current: number
  private unreachableSince: number | null = null
  private lastRecoveryAt = 0
  private updates: Promise<void> = Promise.resolve()
  /**
   * The most a grant may age before it is used: under a third of the window's margin over one second,
   * the rest being for the spread after it (sending, the network, the server's own stamping).
   */
  private readonly staleGrantMs: number
  /** Grants left unused because they arrived late (see acquire). */
  staleGrants = 0
  holdReason: string | null = null

  constructor(
    private readonly redis: Redis & BudgetCommands,
    private readonly options: RedisBudgetOptions,
    private readonly shown: string,
  ) {
    this.logKey = `${options.key}:starts`
    this.stateKey = `${options.key}:throttle`
    const windowMs = options.windowMs ?? 1100
    this.windowUs = Math.round(windowMs * 1000)
    this.staleGrantMs = Math.max(5, (windowMs - 1000) * 0.3)
    this.outageLimitMs = options.outageLimitMs ?? 60_000
    this.current = options.rate
  }

  get rate(): number {
    return this.current
  }

  async acquire(signal: AbortSignal): Promise<void> {
    for (;;) {
      if (signal.aborted) throw new BudgetStoppedError()
      let wait: number
      try {
        wait = await this.ask()
        if (wait === STALE) continue
      } catch (error) {
        // Never send unpaced: wait for Redis, and stop (resumably) if it stays away too long.
        wait = this.unreachable(error as Error)
      }

      if (wait === 0) return
      await sleepUnless(wait, signal)
    }
  }

  async tryAcquire(): Promise<boolean> {
    try {
      return (await this.ask()) === 0
    } catch (error) {
      // Unreachable: refused, and holdReason says why. The caller decides when that is too long.
      this.holdReason = `budget paused: Redis unreachable at ${this.shown} (${(error as Error).message})`
      return false
    }
  }

  /**
   * One check-and-reserve: 0 when granted, else ms to wait, or STALE. A grant that took long to reach
   * us (a blocked event loop, a slow network) is stamped earlier than the request would start; other
   * processes' starts could then crowd the server's second. It is left unused (it stays counted:
   * wasteful, never over). Throws when Redis cannot be reached.
   */
  private async ask(): Promise<number> {
    const asked = performance.now()
    const [ms, limit] = await this.redis.cioAcquire(this.logKey, this.stateKey, this.options.rate, this.windowUs, `${this.token}:${this.seq++}`)
    this.current = Number(limit)
    this.reachable()
    const wait = Number(ms)
    if (wait !== 0 || performance.now() - asked <= this.staleGrantMs) return wait
    this.staleGrants++
    return STALE
  }

  throttled(retryAfterMs: number | null): void {
    const jitter = Math.random()
    this.update((state, now) => afterThrottle(state, now, retryAfterMs, jitter))
  }

  succeeded(): void {
    if (this.current >= this.options.rate) return
    const t = performance.now()
    if (t - this.lastRecoveryAt < 1000) return
    this.lastRecoveryAt = t
    this.update((state, now) => afterSuccess(state, now, this.options.rate))
  }

  async close(): Promise<void> {
    await this.updates
    this.redis.disconnect()
  }

  /** Read, compute, compare-and-set; retried when another process changed the state meanwhile. */
  private update(change: (state: ThrottleState, now: number) => ThrottleState | null): void {
    this.updates = this.updates
      .then(async () => {
        for (let attempt = 0; attempt < 8; attempt++) {
          const [raw, nowUs] = await this.redis.cioReadState(this.stateKey)
          const now = Number(nowUs) / 1000
          const next = change(parseState(raw, this.options.rate), now)
          if (!next) return
          if ((await this.redis.cioSwapState(this.stateKey, raw, JSON.stringify(next), STATE_TTL_MS)) === 1) {
            this.current = Math.min(this.options.rate, next.rate)
            return
          }
        }
      })
      .catch(() => {
        // Redis unreachable: acquire() holds sending and says so; a lost 429 note only costs a retry.
      })
  }

  private reachable(): void {
    this.unreachableSince = null
    this.holdReason = null
  }

  private unreachable(error: Error): number {
    const now = performance.now()
    this.unreachableSince ??= now
    this.holdReason = `budget paused: Redis unreachable at ${this.shown}`
    if (now - this.unreachableSince > this.outageLimitMs) {
      throw new BudgetLostError(
        `the rate budget at ${this.shown} was unreachable for ${Math.round(this.outageLimitMs / 1000)} s (${error.message}); nothing was sent unpaced`,
      )
    }

    return 250
  }
}

function parseState(raw: string, target: number): ThrottleState {
  if (!raw) return initialThrottleState(target)
  const s = JSON.parse(raw) as Partial<ThrottleState>
  return {
    rate: Math.min(target, s.rate ?? target),
    hitRate: s.hitRate ?? null,
    pausedUntil: s.pausedUntil ?? 0,
    lastThrottleAt: s.lastThrottleAt ?? Number.NEGATIVE_INFINITY,
    lastIncreaseAt: s.lastIncreaseAt ?? 0,
  }
}
