import type {InputFormat} from '../source/types.js'

export type RunStatus =
  | 'running'
  | 'interrupted'
  | 'auth_rejected'
  | 'retries_exhausted'
  | 'failed'
  | 'completed'
  | 'completed_with_failures'

/** Statuses after which `resume` has work to do. */
export const RESUMABLE: ReadonlySet<RunStatus> = new Set(['running', 'interrupted', 'auth_rejected', 'retries_exhausted', 'failed'])

/** What the run was asked to do, without secrets: everything resume needs except the credentials. */
export interface RunConfig {
  type: 'people' | 'events'
  api: 'v1' | 'v2'
  rate: number
  concurrency: number
  maxRetries: number
  /** The mapping file's content, so a resume maps rows exactly as the run began. */
  mapping: unknown | null
  mappingPath: string | null
  /** The run sent to an emulator started for it; resume starts a fresh one. */
  emulator: boolean
  maxBodyBytes: number
  retryBaseMs: number
  /** `--shard I/N`: this run sends only its shard's rows (absent on runs that send every row). */
  shard?: {index: number; count: number} | null
  /**
   * How derived event ids are made (src/mapping/event-id.ts). Set when the run is created; runs
   * recorded before it existed have none and use scheme 1, so their resume re-sends the same ids.
   */
  eventIdScheme?: 1 | 2
}

export interface RunRecord {
  id: string
  createdAt: number
  updatedAt: number
  status: RunStatus
  type: 'people' | 'events'
  api: 'v1' | 'v2'
  siteId: string
  host: string
  config: RunConfig
  requests: {sent: number; throttled: number; retried: number}
  activeMs: number
  lastError: string | null
  /** People whose last row was sent again after an attempt with an unknown outcome (the repair pass). */
  repaired: number
}

export interface RunFileRecord {
  fileIndex: number
  /** What we read: the user's file, or the spooled copy of stdin. */
  path: string
  /** What the user gave (e.g. "-" for stdin). */
  displayPath: string
  format: InputFormat
  size: number
  mtimeMs: number
  headHash: string
  header: string | null
  retryFile: string
  done: boolean
  resumeLine: number
  resumeOffset: number
}

export interface RowCounts {
  succeeded: number
  failed: number
  invalid: number
}

export interface RowFailure {
  fileIndex: number
  line: number
  kind: 'invalid' | 'failed'
  rule: string
  reason: string
  raw: string
}

/** Acknowledged line range of one batch. */
export interface AckRange {
  firstLine: number
  lastLine: number
  succeeded: number
}
