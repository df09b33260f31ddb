import {Errors} from '@oclif/core'

import {ExitCode} from './exit-codes.js'

/**
 * The stable machine codes `--json` errors carry beside the message (README "Errors in --json").
 * Scripts branch on these, never on message text; keep them stable.
 */
export type ErrorCode =
  | 'usage'
  | 'unknown_flag'
  | 'unknown_command'
  | 'input_error'
  | 'mapping_error'
  | 'ledger_error'
  | 'resume_refused'
  | 'retry_file_error'
  | 'verify_error'
  | 'auth_rejected'
  | 'interrupted'
  | 'retries_exhausted'
  | 'internal'

/** A user-facing error with its machine code. Not oclif's `code`: oclif prints that as "Code: ..." under the message. */
export class CodedError extends Errors.CLIError {
  constructor(
    message: string,
    readonly errorCode: ErrorCode,
    exit: number = ExitCode.Usage,
  ) {
    super(message, {exit})
  }
}

const CODE_FOR_EXIT: Record<number, ErrorCode> = {
  [ExitCode.Usage]: 'usage',
  [ExitCode.AuthRejected]: 'auth_rejected',
  [ExitCode.Interrupted]: 'interrupted',
  [ExitCode.RetriesExhausted]: 'retries_exhausted',
  127: 'unknown_command',
}

/** The machine code of any error a command ends with. */
export function errorCodeOf(error: unknown): ErrorCode {
  const e = error as {errorCode?: ErrorCode; oclif?: {exit?: number}; exitCode?: number}
  if (e?.errorCode) return e.errorCode
  const exit = e?.oclif?.exit ?? e?.exitCode
  return (exit !== undefined && CODE_FOR_EXIT[exit]) || 'internal'
}
