import {Redis} from 'ioredis'

/** A Redis URL as it may be shown: the password (and user) replaced, so it never reaches output or logs. */
export function showRedisUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return '(an invalid Redis URL)'
  }
}

/**
 * One ioredis connection for BullMQ. `maxRetriesPerRequest: null` is what BullMQ requires of worker
 * connections: a command waits for Redis to come back (a restart) instead of failing the job.
 */
export function connectRedis(url: string): Redis {
  const redis = new Redis(url, {maxRetriesPerRequest: null, lazyConnect: false})
  // Connection errors are retried by ioredis itself; without a listener they would print a stack per attempt.
  redis.on('error', () => {})
  return redis
}

/** Resolves once Redis answers PING, or rejects with a message naming the URL (without its password). */
export async function waitForRedis(redis: Redis, url: string, timeoutMs = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`cannot reach Redis at ${showRedisUrl(url)} within ${timeoutMs / 1000} s`)), timeoutMs)
  })
  try {
    await Promise.race([redis.ping(), timeout])
  } finally {
    clearTimeout(timer)
  }
}
