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
