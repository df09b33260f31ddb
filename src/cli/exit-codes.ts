import type {RunStatus} from '../ledger/records.js'

/**
 * Exit codes are a contract with scripts (documented in the README). Keep them stable.
 */
export const ExitCode = {
  /** Every row succeeded (or, for validate, every row is valid). */
  Ok: 0,
  /** Finished, but some rows failed or were invalid; the retry file holds them. */
  RowsFailed: 1,
  /** Usage, configuration or unreadable input. */
  Usage: 2,
  /** Credentials rejected (401/403). Nothing was marked failed; the run is resumable. */
  AuthRejected: 3,
  /** Interrupted by a signal; resumable. */
  Interrupted: 4,
  /** Transient errors outlasted the retry budget; resumable. */
  RetriesExhausted: 5,
  /** A load-test threshold failed (as k6 does). */
  ThresholdFailed: 99,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

/** How a run's final status reads to a script: the one place an engine outcome becomes an exit code. */
const EXIT_FOR_STATUS = {
  completed: ExitCode.Ok,
  completed_with_failures: ExitCode.RowsFailed,
  interrupted: ExitCode.Interrupted,
  auth_rejected: ExitCode.AuthRejected,
  retries_exhausted: ExitCode.RetriesExhausted,
  failed: ExitCode.Usage,
  // A session never ends in 'running'; should one, it is a stop that can be resumed.
  running: ExitCode.Interrupted,
} as const satisfies Record<RunStatus, ExitCodeValue>

export function exitCodeForStatus(status: RunStatus): ExitCodeValue {
  return EXIT_FOR_STATUS[status]
}
