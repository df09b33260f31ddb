import type {Operation} from '../mapping/types.js'

/** The default BullMQ queue name of the producer, enqueue, worker and queue commands. */
export const DEFAULT_QUEUE = 'cio-operations'

/**
 * What a job holds: the operation already checked and serialised at enqueue time, so a worker never
 * re-applies rules (they cannot fail later) and a redelivered event keeps its id.
 */
export interface OperationJobData {
  /** The v2 entry, serialised. */
  entry: string
  /** Who it is about (the dispatcher keeps one person's operations in order). */
  key: string
  /** Where it came from, for people reading a failure: "people.csv:12", or absent for the producer API. */
  source?: string
}

export type OperationJobName = 'identify' | 'event'

export function jobOf(op: Operation, source?: string): {name: OperationJobName; data: OperationJobData} {
  const data: OperationJobData = {entry: op.json, key: op.personKey}
  if (source !== undefined) data.source = source
  return {name: op.entry.action === 'identify' ? 'identify' : 'event', data}
}

/**
 * Job options for every operation: one attempt, because transient errors are retried inside the worker
 * through the pacer and a rejection is final; failed jobs stay for `queue export-failed`; completed
 * ones are trimmed so Redis does not grow with the traffic.
 */
export const OPERATION_JOB_OPTIONS = {
  attempts: 1,
  removeOnComplete: {age: 3600, count: 10_000},
  removeOnFail: false,
} as const
