import {Errors} from '@oclif/core'

import type {PreflightError} from '../loadtest/preflight.js'
import {CodedError, type ErrorCode} from './error-codes.js'
import {ExitCode} from './exit-codes.js'

/** Errors whose message is written for the user: shown as is, exit 2, never a stack trace; with their --json code. */
const USER_ERRORS: Record<string, ErrorCode> = {
  InputError: 'input_error',
  MappingError: 'mapping_error',
  LedgerError: 'ledger_error',
  ResumeRefusedError: 'resume_refused',
  RetryFileError: 'retry_file_error',
  VerifyError: 'verify_error',
}

export function asUserError(error: unknown): unknown {
  const e = error as Error
  const code = e && (USER_ERRORS[e.name] ?? USER_ERRORS[e.constructor?.name])
  if (code) return new CodedError(e.message, code, ExitCode.Usage)

  // A ledger that opened but cannot be read further (cut short, damaged pages) is a configuration problem too.
  if (e?.name === 'SqliteError') {
    const sqliteCode = (e as Error & {code?: string}).code
    return new CodedError(`the ledger could not be read: ${e.message}${sqliteCode ? ` (${sqliteCode})` : ''}`, 'ledger_error', ExitCode.Usage)
  }

  return error
}

/** A failed preflight as the CLI says it: rejected credentials exit 3 like import does, an unreachable target is a usage error. */
export function preflightFailure(error: PreflightError): Errors.CLIError {
  return error.reason === 'auth' ? new CodedError(error.message, 'auth_rejected', ExitCode.AuthRejected) : new CodedError(error.message, 'usage')
}
