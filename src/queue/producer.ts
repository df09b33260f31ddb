import {Queue} from 'bullmq'
import {ulid} from 'ulid'

import {CallChecker, type OperationCall} from './operation-call.js'
import {DEFAULT_QUEUE, jobOf, OPERATION_JOB_OPTIONS, type OperationJobData, type OperationJobName} from './job-data.js'
import {connectRedis} from './redis-connection.js'

export interface ProducerOptions {
  /** Redis URL, e.g. redis://127.0.0.1:6379. */
  redis: string
  /** Default `cio-operations`. */
  queue?: string
}

export interface TrackOptions {
  /** ISO 8601, or Unix seconds or milliseconds. */
  timestamp?: number | string
  /** The event's ULID; when absent one is drawn now, at enqueue time, so a redelivered job never makes a second event. */
  id?: string
}

export interface Producer {
  identify(userId: string, attributes?: Record<string, unknown>): Promise<void>
  track(userId: string, name: string, data?: Record<string, unknown>, options?: TrackOptions): Promise<void>
  trackAnonymous(anonymousId: string, name: string, data?: Record<string, unknown>, options?: TrackOptions): Promise<void>
  close(): Promise<void>
}

/** A broken Customer.io rule, thrown when the call is made rather than later in a worker. */
export class OperationRejectedError extends Error {
  override readonly name = 'OperationRejectedError'
  constructor(
    readonly rule: string,
    reason: string,
  ) {
    super(`${rule}: ${reason}`)
  }
}

/**
 * Enqueue identify and track calls for `cio-backfill worker`. Each call is checked with import's rules
 * now; a violation throws OperationRejectedError naming the rule.
 */
export function createProducer(options: ProducerOptions): Producer {
  const connection = connectRedis(options.redis)
  const queue = new Queue<OperationJobData, unknown, OperationJobName>(options.queue ?? DEFAULT_QUEUE, {connection})
  const checker = new CallChecker('producer')

  async function enqueue(call: OperationCall): Promise<void> {
    const result = checker.check(call)
    if (!result.ok) throw new OperationRejectedError(result.violation.rule, result.violation.message)
    const {name, data} = jobOf(result.op)
    // An event's id doubles as its job id: enqueuing the same event twice while the job exists adds it once.
    const jobId = result.op.entry.id === undefined ? undefined : `event-${result.op.entry.id}`
    await queue.add(name, data, {...OPERATION_JOB_OPTIONS, jobId})
  }

  return {
    identify: (userId, attributes) => enqueue({type: 'identify', userId, attributes}),
    track: (userId, name, data, opts = {}) =>
      enqueue({type: 'track', userId, name, data, timestamp: opts.timestamp, id: opts.id ?? ulid()}),
    trackAnonymous: (anonymousId, name, data, opts = {}) =>
      enqueue({type: 'track', anonymousId, name, data, timestamp: opts.timestamp, id: opts.id ?? ulid()}),
    async close() {
      await queue.close()
      connection.disconnect()
    },
  }
}
