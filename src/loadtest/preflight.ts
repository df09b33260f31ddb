import {CustomerIORequestError} from 'customerio-node'

import {createTrackClient, type TrackTarget} from '../target/track-target.js'

const PREFLIGHT_TIMEOUT_MS = 30_000

export class PreflightError extends Error {
  constructor(
    message: string,
    readonly reason: 'auth' | 'unreachable',
  ) {
    super(message)
  }
}

/**
 * One GET /api/v1/accounts/region before the first arrival. It turns wrong credentials or a wrong
 * host into one clear error instead of thousands of counted failures, and it pays fetch's one-time
 * setup cost (and opens the first connection) outside the measured schedule. Other statuses are
 * left for the run itself to measure.
 */
export async function preflight(target: TrackTarget): Promise<void> {
  const {host} = target
  try {
    // Its own generous timeout: a slow target is what the run is for, not a reason to refuse it.
    await createTrackClient(target, {timeoutMs: PREFLIGHT_TIMEOUT_MS}).getAccountRegion()
  } catch (error) {
    if (error instanceof CustomerIORequestError) {
      if (error.statusCode === 401 || error.statusCode === 403) {
        throw new PreflightError(`${host} rejected the site id / API key (HTTP ${error.statusCode}); nothing was sent.`, 'auth')
      }

      return
    }

    if ((error as Error).message.startsWith('Unable to parse JSON')) {
      throw new PreflightError(`${host} answered, but not like the Track API (a non-JSON body); nothing was sent.`, 'unreachable')
    }

    if (error instanceof DOMException && error.name === 'TimeoutError') {
      throw new PreflightError(`${host} did not answer a credentials check within ${PREFLIGHT_TIMEOUT_MS / 1000} s; nothing was sent.`, 'unreachable')
    }

    const cause = (error as Error & {cause?: {code?: string; message?: string}}).cause
    const detail = cause?.code ?? cause?.message ?? (error as Error).message
    throw new PreflightError(`Cannot reach ${host} (${detail}); nothing was sent.`, 'unreachable')
  }
}
