import {hostname} from 'node:os'

/**
 * The run lock is a lease: the process that holds a run writes the time into owner_seen_at every
 * RENEW_EVERY_MS. A holder that stopped renewing (kill -9, a crash, a pod that is gone, a pid now used
 * by an unrelated process) is dead once a contender has watched the lease stand still for
 * STALE_AFTER_MS; a live holder renews, so it always blocks. The contender measures the standstill on
 * its own clock, so clocks that differ between hosts do not matter.
 */
export const RENEW_EVERY_MS = 2000
export const STALE_AFTER_MS = 10_000
/** A lease this old by the holder's own clock is stale at once (no need to watch it): hosts' clocks are not that far apart. */
export const LONG_DEAD_MS = 10 * 60_000

export interface LeaseHolder {
  pid: number
  host: string
  /** The holder's clock at its last renewal (ms); null in ledgers written before leases existed. */
  seenAt: number | null
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function isThisProcess(holder: LeaseHolder): boolean {
  return holder.pid === process.pid && holder.host === hostname()
}

/**
 * What can be told without waiting: 'dead' (a pid gone on this host, or a lease long expired),
 * or 'unknown' (watch the lease to find out).
 */
export function quickVerdict(holder: LeaseHolder, now = Date.now()): 'dead' | 'unknown' {
  if (holder.host === hostname() && !isAlive(holder.pid)) return 'dead'
  if (holder.seenAt !== null && now - holder.seenAt > LONG_DEAD_MS) return 'dead'
  return 'unknown'
}

/** For listings: a run marked running whose holder no longer renews is shown as interrupted. */
export function looksAlive(holder: LeaseHolder, now = Date.now()): boolean {
  if (holder.host === hostname() && !isAlive(holder.pid)) return false
  return holder.seenAt === null || now - holder.seenAt <= STALE_AFTER_MS
}

export function describeHolder(holder: LeaseHolder): string {
  return `process ${holder.pid} on ${holder.host}`
}
