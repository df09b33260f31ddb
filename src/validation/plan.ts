import {DEFAULT_MAX_BODY_BYTES} from '../batching/batch-packer.js'
import {TrackLimits} from '../cio/limits.js'

/** `{"batch":[` + `]}`: what BatchPacker counts around the entries. */
const ENVELOPE_BYTES = '{"batch":[]}'.length

/**
 * Customer.io's documented Track API limit per workspace ("not strictly enforced"; cio-api-fidelity.md). Older
 * pages and client libraries quote 100/s as a fair-use figure: above it, 429s are possible, not certain.
 */
export const WORKSPACE_RATE_LIMIT = 1000
export const FAIR_USE_RATE = 100
export const DEFAULT_RATE = 80
export const DEFAULT_CONCURRENCY = 10

export type TierName = 'direct' | 'batched' | 'queue_backed' | 'distributed'

/** One row of the seed's "Scaling Architecture by Volume" table, and what cio-backfill does at that volume. */
export interface Tier {
  name: TierName
  /** The volume band, as the table gives it (daily events). */
  band: string
  /** The table's architecture and key components for the band. */
  architecture: string
  components: string
  /** The import flags this tool recommends for the band. */
  recommendedFlags: string
  /** What cio-backfill covers for this band, and what it does not. */
  advice: string[]
}

export interface Plan {
  /** What `volume` counts: the rows of the files validated, or --rows / --daily-events given to plan. */
  basis: 'rows' | 'daily_events'
  volume: number
  /** Rows that would be sent (valid rows; for estimates, the volume). */
  rows: number
  api: 'v1' | 'v2'
  requests: number
  /** True when requests come from --avg-row-bytes instead of packing the real entries. */
  requestsEstimated: boolean
  /** Average entry size as JSON, bytes (null when nothing would be sent). */
  avgEntryBytes: number | null
  rowsPerRequest: number | null
  rate: number
  concurrency: number
  /** Requests / rate: the sending time (for daily events: to send one day's volume). */
  durationSeconds: number
  tier: Tier
  /** How many `--shard I/N` processes to run on one --budget, and why. */
  shards: {recommended: number; reason: string}
  notes: string[]
}

/**
 * What one import process sends when nothing else limits it (BENCHMARKS.md figure 1: 83-97k people
 * rows/s, 69k event rows/s on 2 cores); the lower figure, so the advice does not under-provision.
 */
export const PROCESS_ROWS_PER_SEC = 70_000

/**
 * More processes help only while the budget (rate x rows per request) allows more rows per second
 * than one process sends, and only when the work is long enough to be worth starting them.
 */
export function recommendShards(rows: number, rowsPerRequest: number | null, rate: number): Plan['shards'] {
  if (rows === 0 || rowsPerRequest === null) return {recommended: 1, reason: 'nothing to send'}
  const budgetRows = rate * rowsPerRequest
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
  if (budgetRows <= PROCESS_ROWS_PER_SEC) {
    return {recommended: 1, reason: `--rate ${rate} allows ~${fmt(budgetRows)} rows/s, less than one process sends (~${fmt(PROCESS_ROWS_PER_SEC)} rows/s): more processes would only wait for the budget`}
  }
  if (rows / PROCESS_ROWS_PER_SEC < 60) {
    return {recommended: 1, reason: `one process sends these ${fmt(rows)} rows in under a minute`}
  }
  const n = Math.min(64, Math.ceil(budgetRows / PROCESS_ROWS_PER_SEC))
  return {
    recommended: n,
    reason: `--rate ${rate} allows ~${fmt(budgetRows)} rows/s and one process sends ~${fmt(PROCESS_ROWS_PER_SEC)} rows/s: run ${n} processes (or pods) with --shard 0/${n} ... ${n - 1}/${n}, all on one --budget redis://...`,
  }
}

/** The seed's bands: < 100K direct, 100K-1M batched, 1M-10M queue-backed, > 10M distributed. */
export function tierFor(volume: number, rate = DEFAULT_RATE): Tier {
  const flags = `--api v2 --rate ${Math.min(rate, DEFAULT_RATE)} --concurrency ${DEFAULT_CONCURRENCY}`
  if (volume < 100_000) {
    return {
      name: 'direct',
      band: '< 100K',
      architecture: 'Direct API',
      components: 'one import process: keep-alive client, retries, paced sends',
      recommendedFlags: flags,
      advice: ['One import run with the defaults: one client, keep-alive connections, retries with backoff.'],
    }
  }
  if (volume <= 1_000_000) {
    return {
      name: 'batched',
      band: '100K - 1M',
      architecture: 'Batched API',
      components: 'one import process: v2 batches, rate limiter, SQLite ledger',
      recommendedFlags: flags,
      advice: ['One import run: rows stream from the file into v2 batches under 500 KB, paced by a rate limiter.'],
    }
  }
  if (volume <= 10_000_000) {
    return {
      name: 'queue_backed',
      band: '1M - 10M',
      architecture: 'Queue-backed',
      components: 'import processes (--shard) on one rate budget (--budget), SQLite ledger per shard',
      recommendedFlags: `${flags} --state ./backfill.sqlite`,
      advice: [
        'One import run per file, with the SQLite ledger as the durable queue: reading waits for sending (backpressure), and `cio-backfill resume` continues after Ctrl-C, a crash or a sleeping laptop without re-sending.',
        'When one process cannot fill the rate budget, split the file by person over several processes or pods with --shard I/N, all on one --budget redis://... (see "Shards" below and README "Scaling out").',
      ],
    }
  }
  return {
    name: 'distributed',
    band: '> 10M',
    architecture: 'Distributed',
    components: 'Multiple workspaces, sharded queues, regional routing',
    recommendedFlags: `${flags} --state ./backfill.sqlite`,
    advice: [
      'Split the input per workspace (and region: --region us|eu) and run one import process per workspace, each with its own ledger.',
      'Processes that send to one workspace share its --rate through --budget redis://... (a 429 anywhere slows them all); split a file over them with --shard I/N (see "Shards" below).',
    ],
  }
}

export interface EstimateInput {
  rows: number
  avgEntryBytes: number
  api: 'v1' | 'v2'
  maxBodyBytes?: number
}

/** A plan that cannot be made (an entry that no request could carry). */
export class PlanError extends Error {
  override name = 'PlanError'
}

/** Requests without a file: v1 one per row; v2 as many average entries per batch as the body limit allows. */
export function estimateRequests(input: EstimateInput): {requests: number; rowsPerRequest: number} {
  const {rows, avgEntryBytes, api} = input
  if (api === 'v1') return {requests: rows, rowsPerRequest: 1}
  if (avgEntryBytes > TrackLimits.batchEntryBytes) {
    throw new PlanError(`an entry of ${avgEntryBytes} bytes is over the ${TrackLimits.batchEntryBytes}-byte v2 batch entry limit; such rows are invalid with --api v2`)
  }
  const maxBody = Math.min(input.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, TrackLimits.batchRequestBytes - 1)
  // Body = envelope + entries + a comma between entries.
  const perRequest = Math.max(1, Math.floor((maxBody - ENVELOPE_BYTES + 1) / (avgEntryBytes + 1)))
  return {requests: Math.ceil(rows / perRequest), rowsPerRequest: perRequest}
}

export interface PlanInput {
  basis: Plan['basis']
  volume: number
  rows: number
  api: 'v1' | 'v2'
  requests: number
  requestsEstimated: boolean
  avgEntryBytes: number | null
  rate: number
  concurrency: number
}

export function buildPlan(input: PlanInput): Plan {
  const {rate, concurrency, requests} = input
  const durationSeconds = requests / rate
  const notes: string[] = []
  if (rate > FAIR_USE_RATE) {
    notes.push(`--rate ${rate} is above the ~${FAIR_USE_RATE} req/s fair-use figure older Customer.io pages quote (the documented limit is ${WORKSPACE_RATE_LIMIT}/s per workspace): 429s are possible, and the import slows down when they come`)
  }
  // Little's law: in-flight requests / latency caps the rate as surely as --rate does.
  notes.push(
    `${rate} req/s needs responses within ${Math.round((concurrency / rate) * 1000)} ms on average with --concurrency ${concurrency}; slower responses make concurrency the limit`,
  )

  if (input.basis === 'daily_events') {
    const share = durationSeconds / 86_400
    notes.push(`one day's events take ${formatShare(share)} of a day at ${rate} req/s`)
  }
  if (rate >= DEFAULT_RATE) notes.push(`if the workspace also takes live traffic, leave it headroom with a lower --rate (e.g. 50)`)
  const rowsPerRequest = requests === 0 ? null : Math.round((input.rows / requests) * 10) / 10
  return {
    ...input,
    rowsPerRequest,
    durationSeconds,
    tier: tierFor(input.volume, rate),
    shards: recommendShards(input.rows, rowsPerRequest, rate),
    notes,
  }
}

function formatShare(share: number): string {
  const percent = share * 100
  if (percent >= 100) return `${share.toFixed(1)} days: more than a day, so this volume does not fit one workspace at this rate`
  return percent < 0.1 ? 'under 0.1%' : `${percent.toFixed(1)}%`
}

/** 0.4 s, 12 s, 3 min 20 s, 2 h 5 min, 3 d 4 h. */
export function formatDuration(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(1)} s`
  if (seconds < 60) return `${Math.round(seconds)} s`
  const s = Math.round(seconds)
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`
}
