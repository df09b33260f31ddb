/** What progress displays need, sampled a few times a second. */
export interface ProgressSnapshot {
  runId: string
  file: string
  fileIndex: number
  fileCount: number
  /** Rows with a final answer, whole run. */
  rowsDone: number
  succeeded: number
  failed: number
  invalid: number
  requestsSent: number
  /** Rows settled and requests sent by this session alone (the rest were done before a resume). */
  sessionRows: number
  sessionRequests: number
  /** Rows this session skipped because they belong to other shards (--shard); not counted as done. */
  otherShards?: number
  throttled: number
  retried: number
  /** Bytes of input consumed so far, and in all (null when unknown, e.g. stdin). */
  bytesRead: number
  totalBytes: number | null
  /** Requests per second the pacer currently allows (drops after 429s). */
  currentRate: number
  /** Why the rate budget holds sending back (e.g. "budget paused: Redis unreachable"), or null. */
  budgetHold?: string | null
  elapsedMs: number
}
