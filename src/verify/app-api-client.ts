import {setTimeout as sleep} from 'node:timers/promises'

import {AppApiAuthError, VerifyError} from './errors.js'
import type {IdType} from './expected-people.js'

export const APP_API_HOSTS = {us: 'https://api.customer.io', eu: 'https://api-eu.customer.io'} as const
/** The App API's documented limit is 10 requests a second; we start requests at most this often. */
const MIN_INTERVAL_MS = 100
const MAX_THROTTLE_RETRIES = 20
export const APP_BATCH_SIZE = 100

/** A person as the App API returns it: every attribute value a string. */
export interface AppCustomer {
  id: string | null
  attributes: Record<string, string>
}

export interface AppApiCounters {
  sent: number
  throttled: number
}

/**
 * The App API's batch read (POST /v1/customers/attributes), paced under its 10 requests/s and
 * retrying 429s. The key goes in the Authorization header only, never in a message.
 */
export class AppApiClient {
  readonly counters: AppApiCounters = {sent: 0, throttled: 0}
  private nextStart = 0

  constructor(
    private readonly host: string,
    private readonly key: string,
  ) {}

  async people(idType: IdType, ids: string[]): Promise<AppCustomer[]> {
    if (ids.length > APP_BATCH_SIZE) throw new RangeError(`at most ${APP_BATCH_SIZE} ids a call`)
    const url = `${this.host.replace(/\/+$/, '')}/v1/customers/attributes?id_type=${idType}`
    for (let attempt = 0; ; attempt++) {
      await this.pace()
      this.counters.sent++
      let res: Response
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: {authorization: `Bearer ${this.key}`, 'content-type': 'application/json', accept: 'application/json'},
          body: JSON.stringify({ids}),
          signal: AbortSignal.timeout(30_000),
        })
      } catch (error) {
        throw new VerifyError(`cannot reach the App API at ${this.host}: ${(error as Error).cause ?? (error as Error).message}`)
      }

      if (res.status === 429 && attempt < MAX_THROTTLE_RETRIES) {
        this.counters.throttled++
        await res.body?.cancel()
        const after = Number(res.headers.get('retry-after'))
        await sleep(Number.isFinite(after) && after > 0 ? Math.min(after, 60) * 1000 : Math.min(5000, 200 * 2 ** attempt))
        continue
      }

      if (res.status === 401 || res.status === 403) {
        await res.body?.cancel()
        throw new AppApiAuthError(`the App API at ${this.host} refused the App API key (HTTP ${res.status}); give a valid one with --app-key or CIO_APP_API_KEY`)
      }

      const text = await res.text()
      if (!res.ok) throw new VerifyError(`the App API at ${this.host} answered HTTP ${res.status}: ${text.slice(0, 300)}`)
      let body: {customers?: Array<{customer?: AppCustomer}>}
      try {
        body = JSON.parse(text) as typeof body
      } catch {
        throw new VerifyError(`the App API at ${this.host} answered something that is not JSON: ${text.slice(0, 100)}`)
      }

      return (body.customers ?? []).flatMap((c) => (c.customer ? [c.customer] : []))
    }
  }

  private async pace(): Promise<void> {
    const now = performance.now()
    const wait = this.nextStart - now
    this.nextStart = Math.max(now, this.nextStart) + MIN_INTERVAL_MS
    if (wait > 0) await sleep(wait)
  }
}
