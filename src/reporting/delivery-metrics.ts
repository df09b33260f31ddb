import {Counter, Gauge, Histogram, Registry} from 'prom-client'

import type {DeliveryCounters} from '../sending/deliver.js'

export interface LimiterState {
  /** Requests being sent now. */
  running: number
  /** Batches started but waiting for a permit or a retry. */
  queued: number
  /** Requests sent so far. */
  done: number
}

export interface MetricsSources {
  counters: DeliveryCounters
  limiter: () => LimiterState
  /** Operations waiting to be delivered (queue: waiting + delayed + prioritized); omitted when unknown. */
  depth?: {queue: string; read: () => Promise<number>}
}

/**
 * The Prometheus metrics of a long-running deliverer (worker, consumer), in a registry of its own.
 * Request counters are read from the delivery counters at scrape time, so the send path needs no hooks.
 */
export class DeliveryMetrics {
  readonly registry = new Registry()
  readonly completed: Counter
  readonly failed: Counter
  readonly batchSize: Histogram

  constructor(sources: MetricsSources, labels: {role: 'worker' | 'consumer'}) {
    const registers = [this.registry]
    this.registry.setDefaultLabels(labels)
    this.completed = new Counter({name: 'cio_jobs_completed_total', help: 'Operations Customer.io acknowledged', registers})
    this.failed = new Counter({name: 'cio_jobs_failed_total', help: 'Operations Customer.io rejected (207 entry or 400 after splitting), failed with its reason', registers})
    this.batchSize = new Histogram({
      name: 'cio_batch_size',
      help: 'Operations per v2 batch sent',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
      registers,
    })
    let seen = {sent: 0, throttled: 0}
    const requests = new Counter({name: 'cio_requests_total', help: 'HTTP requests to the Track API, retries included', registers})
    const throttled = new Counter({
      name: 'cio_throttled_total',
      help: 'Responses 429 (rate limited)',
      registers,
      collect() {
        requests.inc(sources.counters.sent - seen.sent)
        this.inc(sources.counters.throttled - seen.throttled)
        seen = {sent: sources.counters.sent, throttled: sources.counters.throttled}
      },
    })
    void throttled
    for (const key of ['running', 'queued', 'done'] as const) {
      new Gauge({
        name: `cio_limiter_${key}`,
        help: `Pacer state: ${key === 'running' ? 'requests in flight' : key === 'queued' ? 'batches waiting for a permit or a retry' : 'requests sent'}`,
        registers,
        collect() {
          this.set(sources.limiter()[key])
        },
      })
    }

    if (sources.depth) {
      const depth = sources.depth
      // Labelled by queue: scalers select it by queue name (deploy/k8s/scaling), every worker reports the same number.
      new Gauge({
        name: 'cio_queue_depth',
        help: 'Operations waiting in the queue (waiting + delayed + prioritized): scale workers on it',
        labelNames: ['queue'],
        registers,
        async collect() {
          this.set({queue: depth.queue}, await depth.read())
        },
      })
    }
  }
}
