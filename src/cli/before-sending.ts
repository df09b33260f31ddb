import {Errors} from '@oclif/core'

import type {RunFileRecord} from '../ledger/records.js'
import {PreflightError} from '../loadtest/preflight.js'
import {estimateSend, type SendEstimateInput} from '../importer/send-estimate.js'
import {checkTarget} from '../importer/target-check.js'
import type {RateBudget} from '../sending/rate-budget.js'
import type {TrackTarget} from '../target/track-target.js'
import {ExitCode} from './exit-codes.js'
import {confirmSend, describeSend, isProductionTarget} from './send-guard.js'
import {preflightFailure} from './user-errors.js'

export interface BeforeSendingRequest {
  target: TrackTarget
  files: Array<Pick<RunFileRecord, 'path' | 'displayPath' | 'format'> & {resumeOffset?: number}>
  estimate: Omit<SendEstimateInput, 'files'>
  /** "people" / "events", for the question. */
  what: string
  yes: boolean
  /** A budget shared with other processes (--budget): the check takes its permit there, like any request. */
  budget?: RateBudget
}

/**
 * What import and resume do before the first batch: check the target (a wrong key exits 3, a wrong
 * region or an unreachable host 2, in seconds), then, for a production workspace and a person at the
 * terminal, show what is about to be sent and ask. A "no" sends nothing (exit 2).
 */
export async function beforeSending(request: BeforeSendingRequest): Promise<void> {
  const {target} = request
  const startedAt = performance.now()
  // A shared budget counts the check with every other process's requests; without one, this process waits
  // out the check's second below before its first batch.
  if (request.budget) await request.budget.acquire(new AbortController().signal)
  let account
  try {
    account = await checkTarget(target)
  } catch (error) {
    if (error instanceof PreflightError) throw preflightFailure(error)
    throw error
  }
  if (!request.yes && process.stdin.isTTY && isProductionTarget(target.host)) await ask(request, account)
  // The check was a request too: the first batch waits for its second to pass, so no sliding second
  // holds more than --rate requests.
  const wait = request.budget ? 0 : 1000 - (performance.now() - startedAt)
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
}

async function ask(request: BeforeSendingRequest, account: Awaited<ReturnType<typeof checkTarget>>): Promise<void> {
  const {target} = request
  const estimate = await estimateSend({...request.estimate, files: request.files})
  const lines = describeSend(request.what, target, account, estimate, request.estimate.rate)
  if (!(await confirmSend(lines, {yes: request.yes}))) {
    throw new Errors.CLIError('Nothing was sent: the answer was not yes (pass --yes to send without asking).', {exit: ExitCode.Usage})
  }
}
