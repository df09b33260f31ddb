export {run} from '@oclif/core'
/** The library: enqueue identify and track calls for `cio-backfill worker` (see README, Queue-backed delivery). */
export {createProducer, OperationRejectedError, type Producer, type ProducerOptions, type TrackOptions} from './queue/producer.js'
export {DEFAULT_QUEUE} from './queue/job-data.js'
