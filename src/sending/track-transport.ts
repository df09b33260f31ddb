import type {TrackClient} from 'customerio-node'

import type {BatchBody} from '../batching/batch-body.js'
import type {V2Entry} from '../mapping/types.js'
import {type AttemptResult, fromError, fromResponseBody} from './attempt-result.js'

/** v1 addresses a person in the URL path; a cio_id travels with its prefix there (cio-api.md §4). */
function v1PathIdentifier(entry: V2Entry): string {
  const ids = entry.identifiers
  if (ids.id !== undefined) return ids.id
  if (ids.email !== undefined) return ids.email
  if (ids.cio_id !== undefined) return `cio_${ids.cio_id}`
  throw new Error('entry has no person identifier')
}

function v1Call(client: TrackClient, entry: V2Entry): Promise<Record<string, unknown>> {
  if (entry.action === 'identify') return client.identify(v1PathIdentifier(entry), entry.attributes ?? {})
  const event: Record<string, unknown> = {name: entry.name, data: entry.attributes ?? {}}
  if (entry.id !== undefined) event.id = entry.id
  if (entry.timestamp !== undefined) event.timestamp = entry.timestamp
  if (entry.identifiers.anonymous_id !== undefined) return client.trackAnonymous(entry.identifiers.anonymous_id, event)
  return client.track(v1PathIdentifier(entry), event)
}

/** What one attempt sent and got back, for a debug log (--verbose). Holds no credentials. */
export interface Exchange {
  /** e.g. "POST /api/v2/batch" or "v1 identify" (customerio-node builds the v1 path). */
  request: string
  entries: number
  /** Body bytes for v2 (exact); for v1, the entry as serialised (customerio-node reshapes it). */
  requestBytes: number
  durationMs: number
  result: AttemptResult
}

export type ExchangeObserver = (exchange: Exchange) => void

/** One HTTP attempt, never throwing: the outcome is data for the delivery loop. */
export interface Transport {
  /** `body` holds serialised v2 entries, as the mapping produced them (v1: exactly one). */
  send(body: BatchBody): Promise<AttemptResult>
}

/**
 * POST /api/v2/batch with the body's bytes as they are: entries serialised once by the mapping and
 * written once as UTF-8. batch() would serialise every entry object again (a tenth of the import's CPU at
 * a million rows), and a string body would be encoded again; the client's own request handler still does
 * the HTTP: auth, redirects, timeouts and error shapes. fetch takes a Uint8Array body as it is (its
 * RequestHandlerOptions type only names strings).
 */
function postBatch(client: TrackClient, body: BatchBody): Promise<Record<string, unknown>> {
  const bytes = body.bytes
  const options = client.request.options(`${client.trackV2Root}/batch`, 'POST')
  options.headers['Content-Length'] = bytes.byteLength
  return client.request.handler({...options, body: bytes as unknown as string})
}

export function createTransport(client: TrackClient, api: 'v1' | 'v2', observe?: ExchangeObserver): Transport {
  const transport = createBareTransport(client, api)
  if (!observe) return transport
  return {
    async send(body) {
      const started = performance.now()
      const result = await transport.send(body)
      // v1: the one entry's bytes (customerio-node reshapes it); v2: the body exactly as posted.
      const requestBytes = api === 'v2' ? body.byteLength : body.offsets[1] - body.offsets[0] - 1
      const request = api === 'v2' ? 'POST /api/v2/batch' : `v1 ${(JSON.parse(body.entry(0)) as V2Entry).action}`
      observe({request, entries: body.count, requestBytes, durationMs: performance.now() - started, result})
      return result
    },
  }
}

function createBareTransport(client: TrackClient, api: 'v1' | 'v2'): Transport {
  if (api === 'v1') {
    return {
      async send(body) {
        try {
          await v1Call(client, JSON.parse(body.entry(0)) as V2Entry)
          return {kind: 'ok', entryErrors: []}
        } catch (error) {
          return fromError(error)
        }
      },
    }
  }

  return {
    async send(body) {
      try {
        return fromResponseBody(await postBatch(client, body))
      } catch (error) {
        return fromError(error)
      }
    },
  }
}
