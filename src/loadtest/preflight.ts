import {CustomerIORequestError} from 'customerio-node'

import {createTrackClient, type TrackTarget} from '../target/track-target.js'

const PREFLIGHT_TIMEOUT_MS = 30_000

/** What GET /api/v1/accounts/region says about the credentials' workspace (any field may be absent). */
export interface AccountRegion {
  /** 'us' or 'eu' */
  region?: string
  /** The Track API host root the workspace should use. */
  url?: string
  environmentId?: number
}

export class PreflightError extends Error {
  constructor(
    message: string,
    readonly reason: 'auth' | 'unreachable' | 'region',
  ) {
    super(message)
  }
}

export interface PreflightOptions {
  timeoutMs?: number
  /**
   * An import's check: a 404 means the host is no Track API root, but a reset, a 5xx or an HTML error
   * page is a glitch that the run's own retries handle; only a host that cannot be reached at all
   * (refused, unknown name, no route) or does not answer in time stops it.
   */
  forImport?: boolean
}

/** Connection failures that no retry will fix. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_INVALID_URL'])

/**
 * One GET /api/v1/accounts/region before the first arrival. It turns wrong credentials or a wrong
 * host into one clear error instead of thousands of counted failures, and it pays fetch's one-time
 * setup cost (and opens the first connection) outside the measured schedule. Other statuses are
 * left for the run itself to measure. Returns what the answer says about the workspace (its region),
 * or null when it said nothing usable. Import and resume use it too (src/importer/target-check.ts).
 */
export async function preflight(target: TrackTarget, options: PreflightOptions = {}): Promise<AccountRegion | null> {
  const {host} = target
  const timeoutMs = options.timeoutMs ?? PREFLIGHT_TIMEOUT_MS
  try {
    // Its own generous timeout: a slow target is what the run is for, not a reason to refuse it.
    const answer = (await createTrackClient(target, {timeoutMs}).getAccountRegion()) as Record<string, unknown> | null
    if (answer === null || typeof answer !== 'object') return null
    return {
      region: typeof answer.region === 'string' ? answer.region : undefined,
      url: typeof answer.url === 'string' ? answer.url : undefined,
      environmentId: typeof answer.environment_id === 'number' ? answer.environment_id : undefined,
    }
  } catch (error) {
    if (error instanceof CustomerIORequestError) {
      if (error.statusCode === 401 || error.statusCode === 403) {
        throw new PreflightError(`${host} rejected the site id / API key (HTTP ${error.statusCode}); nothing was sent.`, 'auth')
      }
      // An import sends every row to this host: a 404 here means it is not a Track API root.
      if (error.statusCode === 404 && options.forImport) {
        throw new PreflightError(`${host} answered 404 to GET /api/v1/accounts/region: it is not a Track API host root (check --endpoint or --region); nothing was sent.`, 'unreachable')
      }

      return null
    }

    if ((error as Error).message.startsWith('Unable to parse JSON')) {
      if (options.forImport) return null
      throw new PreflightError(`${host} answered, but not like the Track API (a non-JSON body); nothing was sent.`, 'unreachable')
    }

    if (error instanceof DOMException && error.name === 'TimeoutError') {
      throw new PreflightError(`${host} did not answer a credentials check within ${timeoutMs / 1000} s; nothing was sent.`, 'unreachable')
    }

    const cause = (error as Error & {cause?: {code?: string; message?: string}}).cause
    const detail = cause?.code ?? cause?.message ?? (error as Error).message
    if (options.forImport && !UNREACHABLE.has(cause?.code ?? '')) return null
    throw new PreflightError(`Cannot reach ${host} (${detail}); nothing was sent.`, 'unreachable')
  }
}
