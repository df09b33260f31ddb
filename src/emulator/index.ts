import type {FaultOptions} from './faults.js'
import type {EmulatorInspector} from './inspection.js'
import type {RateLimitOptions} from './rate-limiter.js'
import {EmulatorServer} from './server.js'
import {createWorkspace, type StoreOption} from './store/create-workspace.js'

export type {FaultOptions} from './faults.js'
export type {EmulatorInspector, EmulatorStats} from './inspection.js'
export type {RateLimitOptions} from './rate-limiter.js'
export type {RequestStats} from './traffic-stats.js'
export type {SilentKind} from './operations.js'
export type {SilentCounts} from './silent-log.js'
export type {SilentRecord} from './track-api.js'
export type {EventView, ObjectView, PersonView} from './workspace.js'
export type {StoreOption} from './store/create-workspace.js'

export interface EmulatorOptions {
  /** 0 picks a free port. Default 0 in-process (the CLI defaults to 4010). */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  /** Default 'emulator-site'. */
  siteId?: string
  /** Default 'emulator-key'. */
  apiKey?: string
  /** Bearer key of the App API read-back routes; default 'emulator-app-key'. */
  appApiKey?: string
  /** People (id, email or cio_…) on the suppression list from the start. */
  suppressed?: string[]
  /** No per-second traffic line. */
  quiet?: boolean
  /** Where traffic lines go; default stderr. */
  log?: (line: string) => void
  /** Default {limit: 100, windowMs: 1000}; null turns rate limiting off. */
  rateLimit?: RateLimitOptions | null
  /** The App API limit; default {limit: 10, windowMs: 1000}; null turns it off. */
  appRateLimit?: RateLimitOptions | null
  faults?: FaultOptions
  /** 'memory' (default), 'count' (counters and the event-id set only), or {sqlite: file}. */
  store?: StoreOption
  /** Makes fault injection reproducible. */
  seed?: number
}

export interface RunningEmulator {
  /** Host root, e.g. http://127.0.0.1:40123; Track v1 lives at `${url}/api/v1`. */
  url: string
  siteId: string
  apiKey: string
  appApiKey: string
  inspect: EmulatorInspector
  setFaults(f: FaultOptions): void
  close(): Promise<void>
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = {limit: 100, windowMs: 1000}
export const DEFAULT_APP_RATE_LIMIT: RateLimitOptions = {limit: 10, windowMs: 1000}
export const DEFAULT_APP_API_KEY = 'emulator-app-key'

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const siteId = options.siteId ?? 'emulator-site'
  const apiKey = options.apiKey ?? 'emulator-key'
  const appApiKey = options.appApiKey ?? DEFAULT_APP_API_KEY
  const workspace = createWorkspace(options.store ?? 'memory')
  const server = new EmulatorServer({
    siteId,
    apiKey,
    appApiKey,
    rateLimit: options.rateLimit === undefined ? DEFAULT_RATE_LIMIT : options.rateLimit,
    appRateLimit: options.appRateLimit === undefined ? DEFAULT_APP_RATE_LIMIT : options.appRateLimit,
    faults: options.faults ?? {},
    seed: options.seed,
    workspace,
    quiet: options.quiet ?? false,
    log: options.log ?? ((line) => process.stderr.write(`${line}\n`)),
  })

  try {
    await server.listen(options.port ?? 0, options.host ?? '127.0.0.1')
  } catch (error) {
    workspace.close()
    throw error
  }

  if (options.suppressed && options.suppressed.length > 0) server.inspect.suppress(options.suppressed)
  let closed: Promise<void> | undefined
  return {
    url: server.url,
    siteId,
    apiKey,
    appApiKey,
    inspect: server.inspect,
    setFaults: (f) => server.setFaults(f),
    close: () => (closed ??= server.close()),
  }
}
