import {Errors, Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {ExitCode} from '../cli/exit-codes.js'
import {rehearsalCounts, rehearsalLine} from '../cli/rehearsal-report.js'
import {readSuppressionList} from '../cli/suppression-list.js'
import {DEFAULT_APP_API_KEY, type EmulatorOptions, type FaultOptions, startEmulator} from '../emulator/index.js'

const DEFAULT_SITE_ID = 'emulator-site'
const DEFAULT_API_KEY = 'emulator-key'

const probability = Flags.custom<number>({
  helpGroup: 'FAULTS',
  async parse(input) {
    const value = Number(input)
    if (input.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
      throw new Errors.CLIError(`expected a probability between 0 and 1, got "${input}"`)
    }

    return value
  },
})

const throttle = Flags.custom<{periodMs: number; throttledMs: number}>({
  helpGroup: 'FAULTS',
  async parse(input) {
    const match = /^(\d+):(\d+)$/.exec(input.trim())
    const periodMs = Number(match?.[1])
    const throttledMs = Number(match?.[2])
    if (!match || periodMs <= 0 || throttledMs > periodMs) {
      throw new Errors.CLIError(`expected PERIOD_MS:THROTTLED_MS with THROTTLED_MS <= PERIOD_MS, e.g. 10000:2000, got "${input}"`)
    }

    return {periodMs, throttledMs}
  },
})

export default class Emulator extends BaseCommand {
  static override id = 'emulator'
  static override summary = 'Run a local Customer.io Track API emulator to rehearse an import'
  static override description = `Serves Track API v1 and v2 (/api/v1/..., /api/v2/entity, /api/v2/batch) with Basic auth, the
documented byte limits, 207 partial failures, a per-workspace rate limit and optional fault
injection. Like production, identifier conflicts, unknown cio_ids and suppressed people are answered
200; what production would merge, not apply, drop or ignore is listed under /__emulator/silent.
Serves the App API read-back routes (/v1/customers/{id}/attributes, /v1/customers/attributes) for
"verify". Inspect what landed under /__emulator/ (people, events, stats, requests). Stops on
SIGINT/SIGTERM and prints a summary.`

  static override examples = [
    '<%= config.bin %> emulator',
    '<%= config.bin %> emulator --port 0 --quiet',
    '<%= config.bin %> emulator --db rehearsal.db --rate-limit 100 --retry-after 1',
    '<%= config.bin %> emulator --error-rate 0.05 --reset-rate 0.01 --reset-when after --seed 42',
  ]

  static override flags = {
    port: Flags.integer({description: 'port to listen on (0 picks a free one)', default: 4010, min: 0, max: 65_535}),
    host: Flags.string({description: 'interface to bind', default: '127.0.0.1'}),
    'site-id': Flags.string({description: 'site id clients must authenticate with', default: DEFAULT_SITE_ID}),
    'api-key': Flags.string({description: 'API key clients must authenticate with', default: DEFAULT_API_KEY}),
    'app-api-key': Flags.string({description: 'Bearer key of the App API read-back routes (/v1/customers/...)', default: DEFAULT_APP_API_KEY}),
    suppressed: Flags.string({description: 'file of people (one id, email or cio_… a line) to treat as suppressed from the start'}),
    'rate-limit': Flags.integer({description: 'requests allowed per window per site id (0 = no limit)', default: 100, min: 0, helpGroup: 'RATE LIMIT'}),
    'rate-window': Flags.integer({description: 'rate-limit sliding window in milliseconds', default: 1000, min: 1, helpGroup: 'RATE LIMIT'}),
    'retry-after': Flags.integer({description: 'send Retry-After: S on 429 answers', min: 0, helpGroup: 'RATE LIMIT'}),
    'error-rate': probability({description: 'probability of a 500/502/503 with an HTML body (not applied)'}),
    'reset-rate': probability({description: 'probability of a connection reset'}),
    'reset-when': Flags.option({
      description: 'reset (and stall) before applying the request, or after it landed',
      options: ['before', 'after'] as const,
      default: 'before' as const,
      helpGroup: 'FAULTS',
    })(),
    latency: Flags.integer({description: 'milliseconds added to every response', min: 0, helpGroup: 'FAULTS'}),
    'latency-jitter': Flags.integer({description: 'up to this many more milliseconds, at random', min: 0, helpGroup: 'FAULTS'}),
    'stall-rate': probability({description: 'probability of holding a response for --stall-ms'}),
    'stall-ms': Flags.integer({description: 'how long a stall lasts', default: 30_000, min: 0, helpGroup: 'FAULTS'}),
    throttle: throttle({description: 'forced 429 for the first THROTTLED_MS of every PERIOD_MS (PERIOD_MS:THROTTLED_MS)'}),
    'refuse-containing': Flags.string({description: 'answer 400 (not applied) to any request whose body contains this text', helpGroup: 'FAULTS'}),
    'reject-entries-containing': Flags.string({
      description: 'refuse each v2 batch entry whose JSON contains this text on its own (207; the rest of the batch lands)',
      helpGroup: 'FAULTS',
    }),
    seed: Flags.integer({description: 'seed for reproducible fault injection', helpGroup: 'FAULTS'}),
    db: Flags.string({description: 'keep what lands in this SQLite file (reopening it keeps earlier data)', exclusive: ['store'], helpGroup: 'STORAGE'}),
    store: Flags.option({
      description: "'count' keeps only counters and the event-id set (for benchmarks of millions of rows)",
      options: ['memory', 'count'] as const,
      default: 'memory' as const,
      helpGroup: 'STORAGE',
    })(),
    quiet: Flags.boolean({char: 'q', description: 'no per-second traffic line on stderr', default: false, env: 'CIO_BACKFILL_QUIET'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Emulator)
    const faults: FaultOptions = {
      errorRate: flags['error-rate'],
      resetRate: flags['reset-rate'],
      resetWhen: flags['reset-when'],
      latencyMs: flags.latency,
      latencyJitterMs: flags['latency-jitter'],
      stallRate: flags['stall-rate'],
      stallMs: flags['stall-ms'],
      throttle: flags.throttle,
      refuseBodiesContaining: flags['refuse-containing'],
      rejectEntriesContaining: flags['reject-entries-containing'],
    }
    const options: EmulatorOptions = {
      port: flags.port,
      host: flags.host,
      siteId: flags['site-id'],
      apiKey: flags['api-key'],
      appApiKey: flags['app-api-key'],
      suppressed: flags.suppressed ? await readSuppressionList(flags.suppressed, '--suppressed') : [],
      quiet: flags.quiet,
      rateLimit: flags['rate-limit'] === 0 ? null : {limit: flags['rate-limit'], windowMs: flags['rate-window'], retryAfterSeconds: flags['retry-after']},
      faults,
      store: flags.db ? {sqlite: flags.db} : flags.store,
      seed: flags.seed,
    }

    const emulator = await startEmulator(options).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') this.error(`port ${flags.port} on ${flags.host} is already in use; pass --port 0 to pick a free port`, {exit: ExitCode.Usage})
      if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') this.error(`cannot listen on host "${flags.host}"`, {exit: ExitCode.Usage})
      if (flags.db) this.error(`cannot open --db ${flags.db}: ${error.message}`, {exit: ExitCode.Usage})
      throw error
    })

    // A key the user chose may be a real one; only the well-known default is echoed.
    const key = emulator.apiKey === DEFAULT_API_KEY ? DEFAULT_API_KEY : 'as given by --api-key'
    const appKey = emulator.appApiKey === DEFAULT_APP_API_KEY ? DEFAULT_APP_API_KEY : 'as given by --app-api-key'
    this.log(`Track API emulator listening on ${emulator.url} (site id ${emulator.siteId}, api key ${key}; App API key ${appKey})`)

    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
        // What production would have done without saying so, before the data goes away.
        const stats = emulator.inspect.stats()
        this.log(`Emulator stopped after ${stats.requests.total} Track requests; ${stats.peopleCount} people, ${stats.eventCount} events.`)
        this.log(`Rehearsal (production answers these 200 and says nothing): ${rehearsalLine(rehearsalCounts(stats.silent))}; details were at ${emulator.url}/__emulator/silent`)
        emulator.close().then(resolve, resolve)
      }

      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
    })
  }
}
