import {Flags} from '@oclif/core'

import {DEFAULT_QUEUE} from '../queue/job-data.js'

/** Where the BullMQ queue lives: shared by enqueue, worker and queue. */
export const queueFlags = {
  redis: Flags.string({description: 'Redis URL of the queue, e.g. redis://127.0.0.1:6379 (its password is never printed)', env: 'CIO_REDIS_URL', required: true, helpGroup: 'QUEUE'}),
  queue: Flags.string({description: 'BullMQ queue name', default: DEFAULT_QUEUE, helpGroup: 'QUEUE'}),
}
