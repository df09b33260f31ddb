import {setMaxListeners} from 'node:events'

import {createTrackClient, redact, type TrackTarget} from '../target/track-target.js'
import type {DeliveryContext, DeliveryCounters} from './deliver.js'
import {createLocalBudget} from './local-budget.js'
import {Pacer} from './pacer.js'
import type {RateBudget} from './rate-budget.js'
import {redactingTransport} from './redacting-transport.js'
import {createTransport, type ExchangeObserver} from './track-transport.js'

/** What every source is told about where and how fast to send (import, the queue worker, the Kafka consumer). */
export interface SenderSettings {
  target: TrackTarget
  rate: number
  concurrency: number
  /** A budget shared with other processes (--budget); without one, an in-process budget of `rate`. */
  budget?: RateBudget
  requestTimeoutMs?: number
  maxRetries: number
  retryBaseMs: number
}

export interface DeliveryContextOptions extends SenderSettings {
  api: 'v1' | 'v2'
  counters: DeliveryCounters
  /** Aborted when the source is stopping: no new attempt starts. */
  stopping: AbortSignal
  /** --verbose: told of every HTTP exchange. */
  onExchange?: ExchangeObserver
}

/**
 * The back half of the one delivery pipeline, built the same way for every source (a file import, BullMQ
 * jobs, Kafka messages): permits from the budget, the Track API client behind a transport that redacts the
 * credentials from whatever the server answers, and the retry policy. Sources differ only in what they
 * dispatch and how they acknowledge it.
 */
export function createDeliveryContext(options: DeliveryContextOptions): DeliveryContext {
  // Every lane waiting for a permit or a retry listens for the stop: more than Node's default 10.
  setMaxListeners(options.concurrency * 4 + 20, options.stopping)
  const pacer = new Pacer({
    budget: options.budget ?? createLocalBudget(options.rate),
    rate: options.rate,
    concurrency: options.concurrency,
    tightSpacing: options.budget === undefined,
  })
  const client = createTrackClient(options.target, {timeoutMs: options.requestTimeoutMs})
  const transport = redactingTransport(createTransport(client, options.api, options.onExchange), (text) => redact(text, options.target))
  return {
    pacer,
    transport,
    policy: {maxRetries: options.maxRetries, maxThrottleRetries: 50, baseDelayMs: options.retryBaseMs},
    counters: options.counters,
    stopping: options.stopping,
  }
}
