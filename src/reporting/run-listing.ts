import type {Ledger} from '../ledger/ledger.js'
import type {RowCounts, RunRecord} from '../ledger/records.js'

export interface RunListing {
  runId: string
  createdAt: string
  status: string
  type: string
  api: string
  /** `--shard I/N` of the run ("3/8"), or null when it sends every row. */
  shard: string | null
  rows: RowCounts
  files: string[]
}

export interface RunDetails extends Omit<RunListing, 'files'> {
  updatedAt: string
  activeMs: number
  target: {siteId: string; host: string}
  config: RunRecord['config']
  requests: RunRecord['requests']
  /** retryFile: where failed rows are (or will be, once the run finishes); null when the file has none. */
  files: Array<{path: string; format: string; done: boolean; resumeLine: number; retryFile: string | null}>
  failuresByRule: Array<{kind: string; rule: string; count: number}>
  lastError: string | null
}

const iso = (ms: number) => new Date(ms).toISOString()
const shardOf = (run: RunRecord) => (run.config.shard ? `${run.config.shard.index}/${run.config.shard.count}` : null)

export function describeRuns(ledger: Ledger, runs: RunRecord[]): RunListing[] {
  return runs.map((run) => ({
    runId: run.id,
    createdAt: iso(run.createdAt),
    status: run.status,
    type: run.type,
    api: run.api,
    shard: shardOf(run),
    rows: ledger.counts(run.id),
    files: ledger.runFiles(run.id).map((f) => f.displayPath),
  }))
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
    target: {siteId: run.siteId, host: run.host},
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
