import {RegionEU, RegionUS, TrackClient} from 'customerio-node'

import {secretForms} from './secret-forms.js'

export {secretForms} from './secret-forms.js'

export type RegionName = 'us' | 'eu'

/** Where Track API calls go and with which credentials. Never persisted with the key. */
export interface TrackTarget {
  siteId: string
  apiKey: string
  /** Track API host root, e.g. https://track.customer.io or http://127.0.0.1:4010 */
  host: string
}

export const REGION_HOSTS: Record<RegionName, string> = {
  us: RegionUS.trackUrl.replace(/\/api\/v1\/?$/, ''),
  eu: RegionEU.trackUrl.replace(/\/api\/v1\/?$/, ''),
}

/** Customer.io's own production hosts (both regions); load tests refuse them without an explicit opt-in. */
export function isProductionHost(host: string): boolean {
  try {
    const {hostname} = new URL(host)
    return hostname === 'customer.io' || hostname.endsWith('.customer.io')
  } catch {
    return false
  }
}

export function hostFor(region: RegionName, endpoint?: string): string {
  return (endpoint ?? REGION_HOSTS[region]).replace(/\/+$/, '')
}

export interface TrackClientOptions {
  /** Per-request timeout in milliseconds. */
  timeoutMs?: number
}

/**
 * A customerio-node client whose own retries are off: every retry goes back through our pacer,
 * so retries count against the rate budget like any other request.
 */
export function createTrackClient(target: TrackTarget, options: TrackClientOptions = {}): TrackClient {
  return new TrackClient(target.siteId, target.apiKey, {
    url: `${target.host}/api/v1`,
    timeout: options.timeoutMs ?? 30_000,
    retry: {maxRetries: 0},
  })
}

/** Replace the credentials, in any of their forms, wherever they might appear in text bound for the ledger, files or output. */
export function redact(text: string, target: Pick<TrackTarget, 'apiKey'> & {siteId?: string}): string {
  let out = text
  for (const form of secretForms(target)) if (out.includes(form)) out = out.split(form).join('***')
  return out
}
