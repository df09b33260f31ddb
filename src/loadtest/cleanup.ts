import {setTimeout as sleep} from 'node:timers/promises'

import Bottleneck from 'bottleneck'
import {CustomerIORequestError} from 'customerio-node'

import {createTrackClient, type TrackTarget} from '../target/track-target.js'
import {preflight} from './preflight.js'
import {type RunRecord, sequencesToDelete} from './run-record.js'

export interface CleanupOptions {
  target: TrackTarget
  record: RunRecord
  /** Deletes started per second; paced with Bottleneck minTime, not a bursty 1-s reservoir. */
  ratePerSecond: number
  maxInFlight: number
  timeoutMs: number
  /** Attempts per person for 408/429/5xx/network failures (each retry goes back through the pacer). */
  maxAttempts?: number
  onProgress?: (done: number, total: number) => void
}

export interface CleanupResult {
  runId: string
  /** People the run may have created, i.e. deletes attempted. */
  attempted: number
  /** Answered 2xx. */
  deleted: number
  /** Answered 404: already gone. */
  notFound: number
  failed: number
  /** Failures by final status ("429", "500", "network_error", ...). */
  failures: Record<string, number>
  durationMs: number
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504, 522, 524])

type DeleteOutcome = {result: 'deleted'} | {result: 'not_found'} | {result: 'failed'; reason: string; retryAfterMs?: number; retryable: boolean}

function classify(error: unknown): DeleteOutcome {
  if (error instanceof CustomerIORequestError) {
    if (error.statusCode === 404) return {result: 'not_found'}
    const header = error.response?.headers?.['retry-after']
    const seconds = header === undefined ? Number.NaN : Number(header)
    return {
      result: 'failed',
      reason: String(error.statusCode),
      retryable: RETRYABLE.has(error.statusCode),
      retryAfterMs: Number.isFinite(seconds) ? Math.min(60, Math.max(0, seconds)) * 1000 : undefined,
    }
  }

  const timeout = error instanceof DOMException && error.name === 'TimeoutError'
  return {result: 'failed', reason: timeout ? 'timeout' : 'network_error', retryable: true}
}

/**
 * Delete every person a load-test run may have created, paced. The in-flight window bounds how many
 * deletes are scheduled at once, so a run of a million people never becomes a million queued jobs.
 */
export async function cleanupRun(options: CleanupOptions): Promise<CleanupResult> {
  const started = Date.now()
  const {record} = options
  const maxAttempts = options.maxAttempts ?? 3
  const client = createTrackClient(options.target, {timeoutMs: options.timeoutMs})
  await preflight(options.target)
  const limiter = new Bottleneck({minTime: Math.ceil(1000 / options.ratePerSecond), maxConcurrent: options.maxInFlight})
  let limiterError: unknown
  limiter.on('error', (error) => {
    limiterError ??= error
  })
  const sequences = sequencesToDelete(record)
  const total = sequences.count
  const result: CleanupResult = {runId: record.runId, attempted: total, deleted: 0, notFound: 0, failed: 0, failures: {}, durationMs: 0}
  let done = 0

  const deleteOne = async (id: string): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const outcome: DeleteOutcome = await limiter.schedule(() =>
        client.destroy(id).then(
          (): DeleteOutcome => ({result: 'deleted'}),
          (error: unknown) => classify(error),
        ),
      )
      if (outcome.result === 'deleted') result.deleted++
      else if (outcome.result === 'not_found') result.notFound++
      else if (outcome.retryable && attempt < maxAttempts) {
        await sleep(outcome.retryAfterMs ?? 500 * 2 ** (attempt - 1))
        continue
      } else {
        result.failed++
        result.failures[outcome.reason] = (result.failures[outcome.reason] ?? 0) + 1
      }

      options.onProgress?.(++done, total)
      return
    }
  }

  const window = new Set<Promise<void>>()
  for (const seq of sequences.values()) {
    if (window.size >= options.maxInFlight * 2) await Promise.race(window)
    const task: Promise<void> = deleteOne(`${record.idPrefix}${seq}`).finally(() => window.delete(task))
    window.add(task)
  }

  await Promise.all(window)
  if (limiterError !== undefined) throw limiterError
  result.durationMs = Date.now() - started
  return result
}
