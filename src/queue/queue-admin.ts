import {type Job, Queue} from 'bullmq'
import type {Redis} from 'ioredis'

import type {RecordType, V2Entry} from '../mapping/types.js'
import {RetryFileWriter} from '../reporting/retry-file.js'
import type {OperationJobData} from './job-data.js'
import {rowOfEntry} from './operation-call.js'

const PAGE = 1000

function openQueue(connection: Redis, name: string): Queue<OperationJobData> {
  return new Queue<OperationJobData>(name, {connection})
}

async function withQueue<T>(connection: Redis, name: string, work: (queue: Queue<OperationJobData>) => Promise<T>): Promise<T> {
  const queue = openQueue(connection, name)
  try {
    return await work(queue)
  } finally {
    await queue.close()
  }
}

/** Operations waiting to be delivered: what a scaler should follow. */
export function queueDepth(connection: Redis, name: string): Promise<number> {
  return withQueue(connection, name, async (queue) => {
    const counts = await queue.getJobCounts('waiting', 'delayed', 'prioritized')
    return (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0)
  })
}

/** Every failed job, page by page, oldest first. */
async function* failedJobs(queue: Queue<OperationJobData>): AsyncGenerator<Job<OperationJobData>> {
  for (let start = 0; ; start += PAGE) {
    const page = (await queue.getJobs(['failed'], start, start + PAGE - 1, true)) as Job<OperationJobData>[]
    for (const job of page) if (job) yield job
    if (page.length < PAGE) return
  }
}

export interface QueueStatus {
  queue: string
  counts: {waiting: number; active: number; delayed: number; prioritized: number; completed: number; failed: number}
  /** waiting + delayed + prioritized. */
  depth: number
  /** Failed jobs grouped by reason, most frequent first. */
  failureReasons: {reason: string; count: number}[]
}

export function queueStatus(connection: Redis, name: string): Promise<QueueStatus> {
  return withQueue(connection, name, async (queue) => {
    const raw = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed')
    const counts = {
      waiting: raw.waiting ?? 0,
      active: raw.active ?? 0,
      delayed: raw.delayed ?? 0,
      prioritized: raw.prioritized ?? 0,
      completed: raw.completed ?? 0,
      failed: raw.failed ?? 0,
    }
    const reasons = new Map<string, number>()
    for await (const job of failedJobs(queue)) {
      const reason = job.failedReason || '(no reason recorded)'
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1)
    }

    return {
      queue: name,
      counts,
      depth: counts.waiting + counts.delayed + counts.prioritized,
      failureReasons: [...reasons].map(([reason, count]) => ({reason, count})).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    }
  })
}

/** Move every failed job back to waiting (after the cause was fixed). Returns how many were failed before. */
export function retryFailed(connection: Redis, name: string): Promise<number> {
  return withQueue(connection, name, async (queue) => {
    const failed = await queue.getFailedCount()
    if (failed > 0) await queue.retryJobs({state: 'failed', count: PAGE})
    return failed
  })
}

/**
 * Write failed operations of one record type as an NDJSON retry file that `import --type <type>`
 * accepts: one row per job, with `_line` (the input line, when it came from `enqueue`) and `_error`.
 */
export function exportFailed(connection: Redis, name: string, path: string, type: RecordType): Promise<number> {
  return withQueue(connection, name, async (queue) => {
    const writer = new RetryFileWriter(path, 'ndjson', null)
    try {
      for await (const job of failedJobs(queue)) {
        let entry: V2Entry
        try {
          entry = JSON.parse(job.data.entry) as V2Entry
        } catch {
          continue
        }

        const row = rowOfEntry(entry)
        if (row.type !== type) continue
        const line = Number(/:(\d+)$/.exec(job.data.source ?? '')?.[1] ?? 0)
        await writer.add({fileIndex: 0, line, kind: 'failed', rule: 'rejected_by_api', reason: job.failedReason ?? '', raw: JSON.stringify(row.fields)})
      }
    } finally {
      await writer.close(true)
    }

    return writer.rows
  })
}
