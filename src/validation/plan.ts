import {DEFAULT_MAX_BODY_BYTES} from '../batching/batch-packer.js'
import {TrackLimits} from '../cio/limits.js'

/** `{"batch":[` + `]}`: what BatchPacker counts around the entries. */
const ENVELOPE_BYTES = '{"batch":[]}'.length

/** Customer.io's fair-use figure for the Track API, per workspace (cio-api.md; the seed's volume table). */
export const WORKSPACE_RATE_LIMIT = 100
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
  notes: string[]
}

/** The seed's bands: < 100K direct, 100K-1M batched, 1M-10M queue-backed, > 10M distributed. */
export function tierFor(volume: number, rate = DEFAULT_RATE): Tier {
  const flags = `--api v2 --rate ${Math.min(rate, DEFAULT_RATE)} --concurrency ${DEFAULT_CONCURRENCY}`
  if (volume < 100_000) {
    return {
      name: 'direct',
      band: '< 100K',
      architecture: 'Direct API',
      components: 'Singleton client, retry, connection pooling',
      recommendedFlags: flags,
      advice: ['One import run with the defaults: one client, keep-alive connections, retries with backoff.'],
    }
  }
  if (volume <= 1_000_000) {
    return {
      name: 'batched',
      band: '100K - 1M',
      architecture: 'Batched API',
      components: 'Event queue, batch processor, rate limiter',
      recommendedFlags: flags,
      advice: ['One import run: rows stream from the file into v2 batches under 500 KB, paced by a rate limiter.'],
    }
  }
  if (volume <= 10_000_000) {
    return {
      name: 'queue_backed',
      band: '1M - 10M',
      architecture: 'Queue-backed',
      components: 'Redis/Kafka queue, worker pool, backpressure',
      recommendedFlags: `${flags} --state ./backfill.sqlite`,
      advice: [
        'One import run per file, with the SQLite ledger as the durable queue: reading waits for sending (backpressure), and `cio-backfill resume` continues after Ctrl-C, a crash or a sleeping laptop without re-sending.',
        'Not built: a Redis/Kafka queue feeding a pool of workers. One process is the worker; it is enough while one workspace\'s rate limit is the bottleneck.',
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
      `Not built: a rate budget shared across processes or machines, and a queue-backed worker. Several processes on one workspace each pace themselves to --rate and together go over Customer.io's ~${WORKSPACE_RATE_LIMIT} req/s; both are on the roadmap.`,
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
  if (rate > WORKSPACE_RATE_LIMIT) {
    notes.push(`--rate ${rate} is above Customer.io's ~${WORKSPACE_RATE_LIMIT} req/s per workspace: expect 429s (the import slows down when they come)`)
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
  return {
    ...input,
    rowsPerRequest: requests === 0 ? null : Math.round((input.rows / requests) * 10) / 10,
    durationSeconds,
    tier: tierFor(input.volume, rate),
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
