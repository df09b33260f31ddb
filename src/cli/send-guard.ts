import {createInterface} from 'node:readline/promises'

import type {AccountRegion} from '../loadtest/preflight.js'
import type {SendEstimate} from '../importer/send-estimate.js'
import {formatDuration} from '../validation/index.js'
import {isProductionHost, type TrackTarget} from '../target/track-target.js'

/**
 * TEST ONLY: a host to treat as a production Customer.io host, so the question asked before a
 * production run can be tested against an emulator. Never set it for real runs.
 */
export const TEST_PRODUCTION_HOST_ENV = 'CIO_BACKFILL_TEST_PRODUCTION_HOST'

export function isProductionTarget(host: string): boolean {
  return isProductionHost(host) || (process.env[TEST_PRODUCTION_HOST_ENV] !== undefined && process.env[TEST_PRODUCTION_HOST_ENV] === host)
}

const count = (n: number) => n.toLocaleString('en-US')

/** What the question shows: where the rows go and how much, with the estimate's basis. */
export function describeSend(what: string, target: TrackTarget, account: AccountRegion | null, estimate: SendEstimate, rate: number): string[] {
  const region = account?.region ? `region ${account.region}` : 'region unknown'
  const lines = [`About to send ${what} to Customer.io at ${target.host} (site ${target.siteId}, ${region}):`]
  for (const file of estimate.files) {
    const size = file.bytes === null ? 'size unknown' : `${count(file.bytes)} bytes`
    const rows = file.rows === null ? '' : `, ${file.exact ? '' : 'about '}${count(file.rows)} rows`
    lines.push(`  ${file.path}: ${size}${rows}`)
  }
  if (estimate.requests !== null && estimate.durationSeconds !== null) {
    lines.push(`  about ${count(estimate.requests)} ${estimate.requests === 1 ? 'request' : 'requests'}, about ${formatDuration(estimate.durationSeconds)} at ${rate} req/s`)
  }
  return lines
}

/**
 * Asks before the first batch goes to a production workspace, when someone is at a terminal to
 * answer; --yes, or no terminal (a script, a pipe, CI), sends without asking.
 */
export async function confirmSend(lines: string[], options: {yes: boolean}): Promise<boolean> {
  if (options.yes || !process.stdin.isTTY) return true
  for (const line of lines) process.stderr.write(`${line}\n`)
  const prompt = createInterface({input: process.stdin, output: process.stderr})
  try {
    const answer = await prompt.question('Send? [y/N] ')
    return /^\s*y(es)?\s*$/i.test(answer)
  } finally {
    prompt.close()
  }
}
