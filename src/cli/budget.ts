import {Errors} from '@oclif/core'

import {budgetKeyFor, checkBudgetUrl, redactBudgetUrl} from '../sending/budget-url.js'
import type {RateBudget} from '../sending/rate-budget.js'
import {connectRedisBudget} from '../sending/redis-budget.js'
import type {TrackTarget} from '../target/track-target.js'
import {ExitCode} from './exit-codes.js'

export interface BudgetFlagValues {
  budget?: string
  'budget-key'?: string
  'budget-outage-limit': number
}

export interface OpenedBudget {
  budget: RateBudget
  /** The URL as it may be shown: credentials redacted. */
  shownUrl: string
  /** The budget's name in Redis (derived from the workspace, or --budget-key). */
  key: string
}

/**
 * Open the shared budget named by --budget before anything is recorded, so an unreachable Redis is a
 * configuration error (exit 2) naming the URL without its credentials. Without --budget: undefined
 * (the session paces itself in-process).
 */
export async function openBudget(flags: BudgetFlagValues, target: TrackTarget, rate: number): Promise<OpenedBudget | undefined> {
  const url = flags.budget
  if (!url) return undefined
  try {
    checkBudgetUrl(url)
    const key = budgetKeyFor(target, flags['budget-key'])
    const budget = await connectRedisBudget({
      url,
      key,
      rate,
      outageLimitMs: flags['budget-outage-limit'] * 1000,
    })
    return {budget, shownUrl: redactBudgetUrl(url), key}
  } catch (error) {
    throw new Errors.CLIError((error as Error).message, {exit: ExitCode.Usage})
  }
}
