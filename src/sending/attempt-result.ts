import {CustomerIORequestError} from 'customerio-node'

/** One entry of a 207 (or 200-with-errors) body: Customer.io's per-entry rejection. */
export interface EntryError {
  batch_index: number
  reason?: string
  field?: string
  message?: string
}

/** What one HTTP attempt came to, in the terms the delivery loop decides on. */
export type AttemptResult =
  | {kind: 'ok'; entryErrors: EntryError[]}
  /** The request as a whole was refused as invalid (400/413): split a batch, or fail a single row. */
  | {kind: 'rejected'; status: number; message: string}
  | {kind: 'auth'; status: number; message: string}
  | {kind: 'throttled'; retryAfterMs: number | null}
  /**
   * 408, 5xx, connection reset, timeout: worth another try. `ambiguous`: the request may have been
   * applied anyway, perhaps later (a timeout, a connection cut after it was sent).
   */
  | {kind: 'transient'; message: string; ambiguous?: boolean}
  /** Anything else (404 on a Track route, a redirect loop...): our configuration is wrong, stop. */
  | {kind: 'fatal'; status: number; message: string}

const TRANSIENT_STATUSES = new Set([408, 500, 502, 503, 504, 522, 524])
/** Network errors that happen before a request could reach the server: it cannot have been applied. */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'])

function parseRetryAfter(value: string | undefined): number | null {
  if (!value) return null
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.min(300, Math.max(0, seconds)) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? null : Math.min(300_000, Math.max(0, date - Date.now()))
}

/** Customer.io's error text from any of its envelopes (v1 meta.error / meta.errors, v2 errors[]). */
export function messageFromBody(body: string): string | null {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return null
  }

  const j = json as {meta?: {error?: string; errors?: string[]}; errors?: EntryError[]}
  if (j?.meta?.error) return j.meta.error
  if (Array.isArray(j?.meta?.errors) && j.meta.errors.length > 0) return j.meta.errors.join('; ')
  if (Array.isArray(j?.errors) && j.errors.length > 0) {
    return j.errors.map((e) => e.message ?? [e.reason, e.field].filter(Boolean).join(' ')).join('; ')
  }

  return null
}

export function fromResponseBody(body: Record<string, unknown>): AttemptResult {
  const errors = Array.isArray(body?.errors) ? (body.errors as EntryError[]) : []
  return {kind: 'ok', entryErrors: errors.filter((e) => typeof e?.batch_index === 'number')}
}

/** Classify whatever customerio-node threw for one attempt. */
export function fromError(error: unknown): AttemptResult {
  if (error instanceof CustomerIORequestError) {
    const status = error.statusCode
    const message = messageFromBody(error.body) ?? `HTTP ${status}`
    if (status === 401 || status === 403) return {kind: 'auth', status, message}
    if (status === 429) return {kind: 'throttled', retryAfterMs: parseRetryAfter(error.response?.headers?.['retry-after'])}
    if (TRANSIENT_STATUSES.has(status) || status >= 500) return {kind: 'transient', message: `HTTP ${status}`}
    if (status === 400 || status === 413 || status === 422) return {kind: 'rejected', status, message}
    return {kind: 'fatal', status, message: `HTTP ${status} ${message}`}
  }

  const e = error as Error & {cause?: {code?: string; message?: string}}
  if (e instanceof TypeError || e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    const detail = e.cause?.code ?? e.cause?.message ?? e.message
    if (e.name === 'TimeoutError') return {kind: 'transient', message: 'request timed out', ambiguous: true}
    return {kind: 'transient', message: `network error: ${detail}`, ambiguous: !NEVER_SENT_CODES.has(e.cause?.code ?? '')}
  }

  // customerio-node throws a plain Error, without the status, for any body that is not JSON: typically
  // a load balancer's HTML error page. Its title usually still carries the status.
  const text = e?.message ?? String(error)
  if (text.startsWith('Unable to parse JSON')) {
    const status = Number(/<title>[^<]*?\b([1-5]\d\d)\b/i.exec(text)?.[1] ?? Number.NaN)
    if (status === 401 || status === 403) return {kind: 'auth', status, message: `HTTP ${status} (non-JSON body)`}
    if (status === 429) return {kind: 'throttled', retryAfterMs: null}
    if (status >= 400 && status < 500 && status !== 408) return {kind: 'fatal', status, message: `HTTP ${status} with a non-JSON body`}
    return {kind: 'transient', message: Number.isNaN(status) ? 'a response that is not JSON' : `HTTP ${status} (non-JSON body)`}
  }

  return {kind: 'transient', message: text.slice(0, 200), ambiguous: true}
}
