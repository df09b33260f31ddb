import {TrackLimits, utf8Bytes} from '../cio/limits.js'
import {batchEntrySpans} from './batch-spans.js'
import {type BodyRead, errorJson, OK_BODY, parseJsonBody} from './http-io.js'
import {type ApplyResult, isApplyError, type Operation, type SilentOutcome} from './operations.js'
import type {TrackRoute} from './routes.js'
import {
  parseAddDevice,
  parseAnonymousEvent,
  parseDeleteDevice,
  parseIdentify,
  parseMerge,
  parsePersonCommand,
  parseTrack,
  type V1Parse,
} from './v1-requests.js'
import {parseEntry} from './v2-entries.js'
import {isPlainObject, type Issue} from './validation.js'
import type {Workspace} from './workspace.js'

/** A silent outcome with what the request sent, for the inspection API and the rehearsal report. */
export interface SilentRecord extends SilentOutcome {
  /** The v2 entry, or for v1 the path identifier and body. */
  entry: unknown
  /** The entry's index in a v2 batch. */
  batchIndex?: number
}

export interface TrackAnswer {
  status: number
  body: string
  /** Operations that changed (or were accepted by) the workspace. */
  applied: number
  /** What production would do without saying so (merged, not applied, dropped, ignored). */
  silent?: SilentRecord[]
}

/** v1 bodies have no documented cap; this only stops a runaway upload (300 max-size attributes fit). */
export const V1_BODY_LIMIT = 2 * 1024 * 1024

export function bodyLimitFor(route: TrackRoute | undefined): number {
  if (route?.name === 'batch') return TrackLimits.batchRequestBytes
  if (route?.name === 'entity') return TrackLimits.entityRequestBytes
  return V1_BODY_LIMIT
}

export interface TrackContext {
  workspace: Workspace
  /** Host root of the emulator, answered by GET /accounts/region. */
  url: string
  nowSeconds: number
  /** Fault: batch entries whose JSON contains this are refused one by one (207). */
  rejectEntriesContaining?: string | null
}

/** Validates and applies one authenticated, admitted Track request. */
export function answerTrack(route: TrackRoute, read: BodyRead, ctx: TrackContext): TrackAnswer {
  if (route.name === 'entity' || route.name === 'batch') return answerV2(route.name, read, ctx)
  if (route.name === 'region') {
    return {status: 200, body: `${JSON.stringify({url: ctx.url, region: 'us', environment_id: 1})}\n`, applied: 0}
  }

  if ('tooLarge' in read) return v1Errors([`request body cannot be larger than ${V1_BODY_LIMIT} bytes`])
  let body: unknown
  try {
    body = parseJsonBody(read.body) ?? {}
  } catch {
    return v1Errors(['request body is not valid JSON'])
  }

  const size = read.body.length
  const entry = 'identifier' in route ? {identifier: route.identifier, body} : {body}
  return applyV1(parseV1(route, body, size), entry, ctx)
}

function parseV1(route: Exclude<TrackRoute, {name: 'entity' | 'batch' | 'region'}>, body: unknown, size: number): V1Parse {
  switch (route.name) {
    case 'identify':
      return parseIdentify(route.identifier, body)
    case 'track':
      return parseTrack(route.identifier, body, size)
    case 'anonymous_event':
      return parseAnonymousEvent(body, size)
    case 'delete':
    case 'suppress':
    case 'unsuppress':
      return parsePersonCommand(route.name, route.identifier)
    case 'add_device':
      return parseAddDevice(route.identifier, body)
    case 'delete_device':
      return parseDeleteDevice(route.identifier, route.deviceId)
    case 'merge':
      return parseMerge(body)
  }
}

function v1Errors(messages: string[]): TrackAnswer {
  return {status: 400, body: errorJson({meta: {errors: messages}}), applied: 0}
}

/** Sorts what applying said into errors for the response and silent records for inspection. */
function collect(result: ApplyResult, entry: unknown, errors: Issue[], silent: SilentRecord[], batchIndex?: number): void {
  if (result === undefined) return
  if (isApplyError(result)) errors.push(result)
  else silent.push(batchIndex === undefined ? {...result, entry} : {...result, entry, batchIndex})
}

function applyV1(parsed: V1Parse, entry: unknown, ctx: TrackContext): TrackAnswer {
  if ('errors' in parsed) return v1Errors(parsed.errors)
  if ('error' in parsed) return {status: 400, body: errorJson({meta: {error: parsed.error}}), applied: 0}
  const problems: Issue[] = []
  const silent: SilentRecord[] = []
  ctx.workspace.transaction(() => {
    for (const op of parsed.ops) collect(ctx.workspace.apply(op, ctx.nowSeconds), entry, problems, silent)
  })
  if (problems.length > 0) return v1Errors(problems.map((p) => p.message))
  return {status: 200, body: OK_BODY, applied: 1, silent}
}

function v2Error(reason: string, field: string, message: string): TrackAnswer {
  return {status: 400, body: errorJson({errors: [{reason, field, message}]}), applied: 0}
}

function answerV2(kind: 'entity' | 'batch', read: BodyRead, ctx: TrackContext): TrackAnswer {
  const limit = kind === 'batch' ? TrackLimits.batchRequestBytes : TrackLimits.entityRequestBytes
  if ('tooLarge' in read) return v2Error('too_large', 'body', `request body cannot be larger than ${limit} bytes`)
  let body: unknown
  try {
    body = parseJsonBody(read.body)
  } catch {
    return v2Error('invalid', 'body', 'request body is not valid JSON')
  }

  if (kind === 'entity') return answerEntity(body, ctx)

  if (!isPlainObject(body) || !Array.isArray(body.batch)) return v2Error('invalid', 'batch', 'batch must be an array of entries')
  if (body.batch.length === 0) return v2Error('required', 'batch', 'batch must contain at least one entry')
  return answerBatch(body.batch, read.body, ctx)
}

function answerEntity(body: unknown, ctx: TrackContext): TrackAnswer {
  const parsed = parseEntry(body)
  if ('issues' in parsed) return {status: 400, body: errorJson({errors: parsed.issues}), applied: 0}
  const problems: Issue[] = []
  const silent: SilentRecord[] = []
  ctx.workspace.transaction(() => {
    for (const op of parsed.ops) collect(ctx.workspace.apply(op, ctx.nowSeconds), body, problems, silent)
  })
  return problems.length > 0 ? {status: 400, body: errorJson({errors: problems}), applied: 0} : {status: 200, body: OK_BODY, applied: 1, silent}
}

/** Entry sizes from the raw bytes when the body is big enough for any entry to be over 32 KB. */
function entrySizes(batch: unknown[], raw: Buffer): ((i: number) => number) | undefined {
  if (raw.length <= TrackLimits.batchEntryBytes) return undefined
  const spans = batchEntrySpans(raw)
  if (spans.length === batch.length) return (i) => spans[i]
  return (i) => utf8Bytes(JSON.stringify(batch[i]))
}

interface BatchError extends Issue {
  batch_index: number
}

function answerBatch(batch: unknown[], raw: Buffer, ctx: TrackContext): TrackAnswer {
  const sizeOf = entrySizes(batch, raw)
  const errors: BatchError[] = []
  const silent: SilentRecord[] = []
  let applied = 0
  ctx.workspace.transaction(() => {
    for (let i = 0; i < batch.length; i++) {
      if (sizeOf && sizeOf(i) > TrackLimits.batchEntryBytes) {
        errors.push({batch_index: i, reason: 'too_large', field: 'entry', message: `batch entry cannot be larger than ${TrackLimits.batchEntryBytes} bytes`})
        continue
      }

      const poison = ctx.rejectEntriesContaining
      if (poison && JSON.stringify(batch[i]).includes(poison)) {
        errors.push({batch_index: i, reason: 'invalid', field: 'entry', message: 'the entry was rejected (emulator fault rejectEntriesContaining)'})
        continue
      }

      const parsed = parseEntry(batch[i])
      if ('issues' in parsed) {
        for (const issue of parsed.issues) errors.push({batch_index: i, ...issue})
        continue
      }

      if (applyAll(parsed.ops, batch[i], ctx, i, errors, silent)) applied++
    }
  })

  if (errors.length === 0) return {status: 200, body: OK_BODY, applied, silent}
  return {status: 207, body: errorJson({errors}), applied, silent}
}

function applyAll(ops: Operation[], entry: unknown, ctx: TrackContext, index: number, errors: BatchError[], silent: SilentRecord[]): boolean {
  const problems: Issue[] = []
  for (const op of ops) collect(ctx.workspace.apply(op, ctx.nowSeconds), entry, problems, silent, index)
  for (const problem of problems) errors.push({batch_index: index, ...problem})
  return problems.length === 0
}
