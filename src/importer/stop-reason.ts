import {ExitCode, type ExitCodeValue} from '../cli/exit-codes.js'
import type {RunStatus} from '../ledger/records.js'
import {AuthRejectedError, FatalResponseError, RetriesExhaustedError} from '../sending/delivery-errors.js'

export type StopKind = 'interrupt' | 'auth' | 'retries' | 'fatal' | 'input'

export interface StopReason {
  kind: StopKind
  message: string
}

export function stopReasonFor(error: unknown): StopReason {
  const message = (error as Error)?.message ?? String(error)
  if (error instanceof AuthRejectedError) return {kind: 'auth', message}
  if (error instanceof RetriesExhaustedError) return {kind: 'retries', message}
  if (error instanceof FatalResponseError) return {kind: 'fatal', message}
  return {kind: 'fatal', message}
}

export const STOP_OUTCOME: Record<StopKind, {status: RunStatus; exitCode: ExitCodeValue}> = {
  interrupt: {status: 'interrupted', exitCode: ExitCode.Interrupted},
  auth: {status: 'auth_rejected', exitCode: ExitCode.AuthRejected},
  retries: {status: 'retries_exhausted', exitCode: ExitCode.RetriesExhausted},
  fatal: {status: 'failed', exitCode: ExitCode.Usage},
  input: {status: 'failed', exitCode: ExitCode.Usage},
}
