import type {Ledger} from '../ledger/ledger.js'
import type {RowCounts, RunRecord} from '../ledger/records.js'
import {REGION_HOSTS} from '../target/track-target.js'

/**
 * Where a run sent its rows, so a rehearsal never reads like a production run: `emulator` (the
 * embedded one of --emulator), `customer.io` (the US or EU Track API) or `endpoint` (any other host).
 */
export interface RunTargetListing {
  kind: 'emulator' | 'customer.io' | 'endpoint'
  /** us or eu for customer.io, else null. */
  region: 'us' | 'eu' | null
  host: string
  siteId: string
}

export interface RunListing {
  runId: string
  createdAt: string
  updatedAt: string
  status: string
  type: string
  api: string
  target: RunTargetListing
  /** `--shard I/N` of the run ("3/8"), or null when it sends every row. */
  shard: string | null
  rows: RowCounts
  files: string[]
}

export interface RunDetails extends Omit<RunListing, 'files'> {
  activeMs: number
  config: RunRecord['config']
  requests: RunRecord['requests']
  /** retryFile: where failed rows are (or will be, once the run finishes); null when the file has none. */
  files: Array<{path: string; format: string; done: boolean; resumeLine: number; retryFile: string | null}>
  failuresByRule: Array<{kind: string; rule: string; count: number}>
  lastError: string | null
}

const iso = (ms: number) => new Date(ms).toISOString()
const shardOf = (run: RunRecord) => (run.config.shard ? `${run.config.shard.index}/${run.config.shard.count}` : null)

export function targetOf(run: RunRecord): RunTargetListing {
  const base = {host: run.host, siteId: run.siteId}
  if (run.config.emulator) return {kind: 'emulator', region: null, ...base}
  if (run.host === REGION_HOSTS.us) return {kind: 'customer.io', region: 'us', ...base}
  if (run.host === REGION_HOSTS.eu) return {kind: 'customer.io', region: 'eu', ...base}
  return {kind: 'endpoint', region: null, ...base}
}

/** The target as one short cell: "emulator", "customer.io us", or the endpoint's host:port. */
export function targetLabel(target: RunTargetListing): string {
  if (target.kind === 'emulator') return 'emulator'
  if (target.kind === 'customer.io') return `customer.io ${target.region}`
  try {
    return new URL(target.host).host
  } catch {
    return target.host
  }
}

export function describeRuns(ledger: Ledger, runs: RunRecord[]): RunListing[] {
  return runs.map((run) => ({
    runId: run.id,
    createdAt: iso(run.createdAt),
    updatedAt: iso(run.updatedAt),
    status: run.status,
    type: run.type,
    api: run.api,
    target: targetOf(run),
    shard: shardOf(run),
    rows: ledger.counts(run.id),
    files: ledger.runFiles(run.id).map((f) => f.displayPath),
  }))
}

const n = (v: number) => new Intl.NumberFormat('en-US').format(v)

/** `runs` as a table with a header: numbers right-aligned and grouped, times to the minute in UTC. */
export function runsTable(runs: RunListing[]): string[] {
  const header = ['RUN ID', 'CREATED (UTC)', 'STATUS', 'TYPE', 'API', 'TARGET', 'SUCCEEDED', 'FAILED', 'INVALID', 'FILES']
  const numeric = new Set([6, 7, 8])
  const rows = runs.map((r) => [
    r.runId,
    r.createdAt.slice(0, 16).replace('T', ' '),
    r.status,
    r.type,
    r.api,
    targetLabel(r.target),
    n(r.rows.succeeded),
    n(r.rows.failed),
    n(r.rows.invalid),
    r.files.join(', '),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)))
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : numeric.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map((row) => line(row))]
}

export function describeRun(ledger: Ledger, run: RunRecord): RunDetails {
  return {
    runId: run.id,
    createdAt: iso(run.createdAt),
    updatedAt: iso(run.updatedAt),
    status: run.status,
    type: run.type,
    api: run.api,
    shard: shardOf(run),
    activeMs: run.activeMs,
    target: targetOf(run),
    config: run.config,
    rows: ledger.counts(run.id),
    requests: run.requests,
    files: ledger.runFiles(run.id).map((f) => {
      const counts = ledger.counts(run.id, f.fileIndex)
      return {
        path: f.displayPath,
        format: f.format,
        done: f.done,
        resumeLine: f.resumeLine,
        retryFile: counts.failed + counts.invalid > 0 ? f.retryFile : null,
      }
    }),
    failuresByRule: ledger.failureRules(run.id),
    lastError: run.lastError,
  }
}
