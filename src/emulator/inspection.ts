import type {IncomingMessage, ServerResponse} from 'node:http'

import {type FaultOptions, faultOptionsProblem} from './faults.js'
import {errorJson, parseJsonBody, readBody, sendJsonText} from './http-io.js'
import type {SilentKind} from './operations.js'
import {type SilentCounts, SILENT_KINDS} from './silent-log.js'
import type {SilentRecord} from './track-api.js'
import type {RequestStats} from './traffic-stats.js'
import type {EventView, ObjectView, PersonView} from './workspace.js'

export interface EmulatorStats {
  requests: RequestStats
  /** Most Track requests whose arrival fell inside any 1000 ms window since start or reset. */
  maxRequestsInSlidingSecond: number
  peopleCount: number
  eventCount: number
  duplicateEventIds: number
  /** v1 requests and v2 entries that were accepted and applied. */
  entriesApplied: number
  /** Calls answered 200 that production merges, does not apply, drops or ignores (see silent()). */
  silent: SilentCounts
  /** App API read-back requests (any answer); never part of `requests`. */
  appApiRequests: number
}

/** What tests and users can read back; the same data as the HTTP API under /__emulator/. */
export interface EmulatorInspector {
  people(): PersonView[]
  /** By id, email (any case), phone or cio_id (with or without `cio_`). */
  person(idOrEmail: string): PersonView | undefined
  /** All events, or those of one person (looked up as person() does). */
  events(person?: string): EventView[]
  objects(): ObjectView[]
  stats(): EmulatorStats
  /** Arrival times (ms since epoch, sub-ms precision) of the last 100,000 Track requests. */
  requestTimes(): number[]
  /** The silent outcomes (first 100,000 kept), oldest first, optionally of one kind. */
  silent(kind?: SilentKind): Array<SilentRecord & {at: string}>
  /**
   * Marks people suppressed, as the workspace's suppression list would (creating the tombstone when
   * nobody has the identifier yet). Each value is read as a path identifier: `cio_…`, an email, or an id.
   */
  suppress(identifiers: string[]): void
  /** Forget all data and counters; faults stay as they are. */
  reset(): void
}

export interface InspectionContext {
  inspect: EmulatorInspector
  faults(): FaultOptions
  setFaults(f: FaultOptions): void
}

function json(res: ServerResponse, status: number, value: unknown): void {
  sendJsonText(res, status, `${JSON.stringify(value)}\n`)
}

/** Routes under /__emulator/ (no auth; never counted as Track traffic). */
export async function handleInspection(req: IncomingMessage, res: ServerResponse, url: URL, ctx: InspectionContext): Promise<void> {
  const path = url.pathname.replace(/\/+$/, '')
  const method = req.method ?? 'GET'

  if (method === 'GET' && path === '/__emulator/people') return json(res, 200, ctx.inspect.people())
  if (method === 'GET' && path.startsWith('/__emulator/people/')) {
    const person = ctx.inspect.person(decodeURIComponent(path.slice('/__emulator/people/'.length)))
    return person ? json(res, 200, person) : json(res, 404, {error: 'no such person'})
  }

  if (method === 'GET' && path === '/__emulator/events') return json(res, 200, ctx.inspect.events(url.searchParams.get('person') ?? undefined))
  if (method === 'GET' && path === '/__emulator/objects') return json(res, 200, ctx.inspect.objects())
  if (method === 'GET' && path === '/__emulator/stats') return json(res, 200, ctx.inspect.stats())
  if (method === 'GET' && path === '/__emulator/requests') return json(res, 200, ctx.inspect.requestTimes())
  if (method === 'GET' && path === '/__emulator/silent') {
    const kind = url.searchParams.get('kind')
    if (kind !== null && !SILENT_KINDS.includes(kind as SilentKind)) return json(res, 400, {error: `kind must be one of ${SILENT_KINDS.join(', ')}`})
    return json(res, 200, ctx.inspect.silent((kind ?? undefined) as SilentKind | undefined))
  }

  if (method === 'POST' && path === '/__emulator/suppress') {
    const read = await readBody(req, 16 * 1024 * 1024)
    let body: unknown
    try {
      body = 'body' in read ? parseJsonBody(read.body) : undefined
    } catch {
      body = undefined
    }

    const people = (body as {people?: unknown} | undefined)?.people
    if (!Array.isArray(people) || !people.every((p) => typeof p === 'string' && p !== '')) {
      return sendJsonText(res, 400, errorJson({error: 'the body must be {"people": ["id, email or cio_…", ...]}'}))
    }

    ctx.inspect.suppress(people as string[])
    return json(res, 200, {suppressed: people.length})
  }

  if (method === 'POST' && path === '/__emulator/reset') {
    ctx.inspect.reset()
    return json(res, 200, {})
  }

  if (method === 'GET' && path === '/__emulator/faults') return json(res, 200, ctx.faults())
  if (method === 'PUT' && path === '/__emulator/faults') {
    const read = await readBody(req, 64 * 1024)
    let faults: unknown
    try {
      faults = 'body' in read ? (parseJsonBody(read.body) ?? {}) : undefined
    } catch {
      faults = undefined
    }

    const problem = faults === undefined ? 'faults must be a JSON object' : faultOptionsProblem(faults)
    if (problem) return sendJsonText(res, 400, errorJson({error: problem}))
    ctx.setFaults(faults as FaultOptions)
    return json(res, 200, ctx.faults())
  }

  return json(res, 404, {error: `no inspection route ${method} ${url.pathname}`})
}
