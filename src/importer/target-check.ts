import {type AccountRegion, preflight, PreflightError} from '../loadtest/preflight.js'
import {REGION_HOSTS, type TrackTarget} from '../target/track-target.js'

/** Seconds an import waits for the credentials check: an unreachable host must fail in seconds, not after minutes of retries. */
const IMPORT_PREFLIGHT_TIMEOUT_MS = 10_000

/** The production region a host belongs to, or undefined for any other host (an emulator, a proxy). */
export function regionOfHost(host: string): string | undefined {
  for (const [region, root] of Object.entries(REGION_HOSTS)) if (root === host.replace(/\/+$/, '')) return region
  return undefined
}

/**
 * Customer.io answers the region call on both regional hosts with the workspace's own region: a US
 * workspace's rows sent to the EU host fail, and an EU workspace's sent to the US host pass through
 * US servers. Either way the flag is wrong, so say which region to use before anything is sent.
 */
export function regionProblem(host: string, account: AccountRegion | null): string | undefined {
  const wanted = account?.region?.toLowerCase()
  const actual = regionOfHost(host)
  if (wanted === undefined || actual === undefined || wanted === actual) return undefined
  return `the site id belongs to a workspace in the ${wanted.toUpperCase()} region, but ${host} is the ${actual.toUpperCase()} host: pass --region ${wanted}; nothing was sent.`
}

/**
 * Before the first batch of an import or resume: one GET /api/v1/accounts/region (the loadtest's
 * preflight) so that a wrong key, a wrong region or an unreachable host fails at once with its cause
 * instead of after every batch has used up its retries. Throws PreflightError.
 */
export async function checkTarget(target: TrackTarget): Promise<AccountRegion | null> {
  const account = await preflight(target, {timeoutMs: IMPORT_PREFLIGHT_TIMEOUT_MS, forImport: true})
  const problem = regionProblem(target.host, account)
  if (problem !== undefined) throw new PreflightError(problem, 'region')
  return account
}
