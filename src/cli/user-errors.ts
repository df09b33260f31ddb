import {Errors} from '@oclif/core'

import type {PreflightError} from '../loadtest/preflight.js'
import {ExitCode} from './exit-codes.js'

/** Errors whose message is written for the user: shown as is, exit 2, never a stack trace. */
const USER_ERRORS = new Set(['InputError', 'MappingError', 'LedgerError', 'ResumeRefusedError', 'RetryFileError'])

export function asUserError(error: unknown): unknown {
  const e = error as Error
  if (e && (USER_ERRORS.has(e.name) || USER_ERRORS.has(e.constructor?.name))) {
    return new Errors.CLIError(e.message, {exit: ExitCode.Usage})
  }

  // A ledger that opened but cannot be read further (cut short, damaged pages) is a configuration problem too.
  if (e?.name === 'SqliteError') {
    const code = (e as Error & {code?: string}).code
    return new Errors.CLIError(`the ledger could not be read: ${e.message}${code ? ` (${code})` : ''}`, {exit: ExitCode.Usage})
  }

  return error
}

/** A failed preflight as the CLI says it: rejected credentials exit 3 like import does, an unreachable target is a usage error. */
export function preflightFailure(error: PreflightError): Errors.CLIError {
  return new Errors.CLIError(error.message, {exit: error.reason === 'auth' ? ExitCode.AuthRejected : ExitCode.Usage})
}
