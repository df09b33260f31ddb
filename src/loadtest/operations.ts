import {CustomerIORequestError, type TrackClient} from 'customerio-node'
import {ulid} from 'ulid'

import {type Mix, type OperationKind, drawKind} from './mix.js'
import type {Outcome} from './metrics.js'

export type ApiVersion = 'v1' | 'v2'

/** What one arrival sends: one v1 call, or one v2 batch whose entries use consecutive sequence numbers. */
export interface Operation {
  /** First sequence number this operation uses; a v2 batch uses firstSeq .. firstSeq + kinds.length - 1. */
  firstSeq: number
  kinds: OperationKind[]
  send(client: TrackClient): Promise<unknown>
}

export interface OperationFactoryOptions {
  runId: string
  /** Person ids are `${idPrefix}${seq}`. */
  idPrefix: string
  api: ApiVersion
  batchSize: number
  mix: Mix
  random?: () => number
}

export const EVENT_NAME = 'load_test_event'

/** Attributes every load-test person carries, so they can be found (and trusted to be disposable) later. */
function personAttributes(runId: string, id: string, seq: number): Record<string, unknown> {
  return {
    email: `${id}@loadtest.example.com`,
    _load_test: true,
    load_test_run: runId,
    load_test_seq: seq,
    created_at: Math.floor(Date.now() / 1000),
  }
}

function eventData(runId: string, seq: number): Record<string, unknown> {
  return {_load_test: true, load_test_run: runId, load_test_seq: seq}
}

function v2Entry(kind: OperationKind, runId: string, id: string, seq: number): Record<string, unknown> {
  if (kind === 'identify') {
    return {type: 'person', identifiers: {id}, action: 'identify', attributes: personAttributes(runId, id, seq)}
  }

  return {type: 'person', identifiers: {id}, action: 'event', name: EVENT_NAME, id: ulid(), attributes: eventData(runId, seq)}
}

/**
 * Builds the operation for each arrival. Sequence numbers are handed out at send time, so dropped
 * arrivals never consume one and the run record's ranges stay dense.
 */
export class OperationFactory {
  private nextSeq = 1

  constructor(private readonly options: OperationFactoryOptions) {}

  /** The highest sequence number handed out so far (0 before the first operation). */
  get lastSeq(): number {
    return this.nextSeq - 1
  }

  next(): Operation {
    const {runId, idPrefix, api, batchSize, mix, random} = this.options
    const firstSeq = this.nextSeq
    if (api === 'v1') {
      this.nextSeq += 1
      const kind = drawKind(mix, random)
      const id = `${idPrefix}${firstSeq}`
      return {
        firstSeq,
        kinds: [kind],
        send: (client) =>
          kind === 'identify'
            ? client.identify(id, personAttributes(runId, id, firstSeq))
            : client.track(id, {name: EVENT_NAME, data: eventData(runId, firstSeq)}),
      }
    }

    this.nextSeq += batchSize
    // A batch is one arrival, but each entry draws its own kind so the mix holds inside batches too.
    const kinds = Array.from({length: batchSize}, () => drawKind(mix, random))
    const entries = kinds.map((kind, i) => v2Entry(kind, runId, `${idPrefix}${firstSeq + i}`, firstSeq + i))
    return {firstSeq, kinds, send: (client) => client.batch(entries)}
  }
}

/** Entries a 2xx v2 response reports as rejected ({"errors":[{batch_index,...}]} in a 207). */
function countEntryErrors(body: unknown): number {
  const errors = (body as {errors?: unknown} | undefined)?.errors
  return Array.isArray(errors) ? errors.length : 0
}

/**
 * Send one operation and classify how it ended. Latency runs from the call (the request is built
 * and dispatched synchronously) to the fully read response, or to the failure.
 */
export async function executeOperation(client: TrackClient, operation: Operation, now: () => number): Promise<Outcome> {
  const started = now()
  try {
    const body = await operation.send(client)
    return {kind: 'ok', latencyMs: now() - started, entryErrors: countEntryErrors(body)}
  } catch (error) {
    const latencyMs = now() - started
    if (error instanceof CustomerIORequestError) return {kind: 'http_error', status: error.statusCode, latencyMs, entryErrors: 0}
    if (error instanceof DOMException && error.name === 'TimeoutError') return {kind: 'timeout', latencyMs, entryErrors: 0}
    // fetch failures (refused, reset, DNS) and unparseable bodies: no usable HTTP response either way.
    return {kind: 'network_error', latencyMs, entryErrors: 0}
  }
}
