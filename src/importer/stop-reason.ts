import type {RunStatus} from '../ledger/records.js'
import {BudgetLostError} from '../sending/rate-budget.js'
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
  // The shared budget stayed unreachable: nothing may start unpaced, so stop and let a resume continue.
  if (error instanceof BudgetLostError) return {kind: 'retries', message}
  if (error instanceof FatalResponseError) return {kind: 'fatal', message}
  return {kind: 'fatal', message}
}

/** The status a run is left in when it stops early; the CLI maps statuses to exit codes. */
export const STOP_STATUS: Record<StopKind, RunStatus> = {
  interrupt: 'interrupted',
  auth: 'auth_rejected',
  retries: 'retries_exhausted',
  fatal: 'failed',
  input: 'failed',
}
