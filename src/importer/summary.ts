import type {RunStatus} from '../ledger/records.js'

/** The final account of a run (or of one session of it). `--json` prints exactly this; it is a contract. */
export interface RunSummary {
  runId: string
  status: RunStatus
  type: 'people' | 'events'
  api: 'v1' | 'v2'
  target: {siteId: string; host: string}
  /** Whole run, across every session: read = succeeded + failed + invalid. */
  rows: {read: number; succeeded: number; failed: number; invalid: number}
  /** `--shard I/N` of the run, or null when it sends every row. */
  shard: {index: number; count: number} | null
  /**
   * Rows this session read and skipped because they belong to other shards: neither succeeded nor
   * failed here (0 without --shard). This session only: a resume skips again what it re-reads.
   */
  otherShards: number
  /** Whole run, across every session. */
  requests: {sent: number; throttled: number; retried: number}
  /** This session. */
  durationMs: number
  /** Every session. */
  activeMs: number
  /** The first retry file written (null when every row succeeded or the run has not finished). */
  retryFile: string | null
  files: Array<{
    path: string
    done: boolean
    rows: {succeeded: number; failed: number; invalid: number}
    retryFile: string | null
  }>
  failuresByRule: Array<{kind: string; rule: string; count: number}>
  statePath: string
  /** How to continue when the run stopped early, else null. */
  resumeCommand: string | null
  error: string | null
}
