import {Queue} from 'bullmq'
import type {Redis} from 'ioredis'

import type {OperationJobData} from './job-data.js'

/** Operations waiting to be delivered: what a scaler should follow. */
export async function queueDepth(connection: Redis, name: string): Promise<number> {
  const queue = new Queue(name, {connection})
  try {
    const counts = await queue.getJobCounts('waiting', 'delayed', 'prioritized')
    return (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0)
  } finally {
    await queue.close()
  }
}

export type {OperationJobData}
