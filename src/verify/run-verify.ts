import {join, resolve} from 'node:path'

import type {Ledger} from '../ledger/ledger.js'
import type {RowFailure, RunRecord} from '../ledger/records.js'
import {RetryFileWriter} from '../reporting/retry-file.js'
import {APP_BATCH_SIZE, AppApiClient, type AppCustomer} from './app-api-client.js'
import {type AttributeDifference, compare, customerKey, type PersonVerdict, requestKey} from './compare.js'
import {VerifyError} from './errors.js'
import {checkInputsUnchanged, type ExpectedPerson, expectedPeople, type IdType, personKeys} from './expected-people.js'

export interface VerifyRequest {
  ledger: Ledger
  run: RunRecord
  /** App API host root, e.g. https://api.customer.io or an emulator's URL. */
  appHost: string
  appKey: string
  /** How many people to read back; 'all' for every person the run sent. */
  sample: number | 'all'
  /** Where mismatch files go (default: the current directory, like retry files). */
  outputDir?: string
  onProgress?: (line: string) => void
}

/** `verify --json` prints exactly this (plus exitCode); it is a contract documented in the README. */
export interface VerifyReport {
  runId: string
  appHost: string
  /** Distinct people the run sent (succeeded rows only). */
  people: number
  /** How many of them were read back. */
  checked: number
  equal: number
  missing: number
  different: number
  /** Every person that did not match, e.g. {identifier: "id:42", outcome: "different", differences: [...]}. */
  mismatches: Array<{identifier: string; outcome: 'missing' | 'different'; differences?: AttributeDifference[]}>
  /** Rows of the mismatched people in each input's format (with _line and _error), ready to import again. */
  mismatchFiles: string[]
  requests: {sent: number; throttled: number}
  durationMs: number
}

/** Verified people are those at random, or all of them. */
function pick(keys: string[], sample: number | 'all'): Set<string> {
  if (sample === 'all' || sample >= keys.length) return new Set(keys)
  const pool = [...keys]
  for (let i = 0; i < sample; i++) {
    const j = i + Math.floor(Math.random() * (pool.length - i))
    ;[pool[i], pool[j]] = [pool[j], pool[i]]
  }

  return new Set(pool.slice(0, sample))
}

const label = (p: ExpectedPerson) => `${p.idType}:${p.value}`

function reasonFor(verdict: PersonVerdict): string {
  if (verdict.outcome === 'missing') return `not found by the App API (id_type=${verdict.person.idType})`
  if (verdict.outcome === 'equal') return ''
  const parts = verdict.differences.map((d) => `${d.attribute} sent ${JSON.stringify(d.sent)} found ${JSON.stringify(d.found)}`)
  return `different: ${parts.join('; ')}`
}

function mismatchFileName(displayPath: string, format: string, runId: string): string {
  const base = displayPath === '-' ? 'stdin' : displayPath.split(/[\\/]/).pop()!.replace(/\.gz$/i, '').replace(/\.(csv|ndjson|jsonl|json)$/i, '')
  return `${base}.${runId}.verify.${format === 'csv' ? 'csv' : 'ndjson'}`
}

/**
 * Reads the run's people back through the App API and compares them with what the run set.
 * Silent losses (suppressed people, attribute update failures, dropped cio_ids) show up here only.
 */
export async function runVerify(request: VerifyRequest): Promise<VerifyReport> {
  const started = performance.now()
  const {ledger, run} = request
  if (run.type !== 'people') throw new VerifyError(`run ${run.id} imported events; verify reads people back (the App API has no per-event read)`)
  if (run.status !== 'completed' && run.status !== 'completed_with_failures') {
    throw new VerifyError(`run ${run.id} is ${run.status.replaceAll('_', ' ')}: finish it (cio-backfill resume ${run.id}) before verifying`)
  }

  const files = ledger.runFiles(run.id)
  await checkInputsUnchanged(files)
  const keys = await personKeys(ledger, run)
  const chosen = pick(keys, request.sample)
  const people = await expectedPeople(ledger, run, chosen)
  request.onProgress?.(`Reading back ${people.length} of ${keys.length} people from ${request.appHost} (${APP_BATCH_SIZE} a call, 10 calls/s at most)`)

  const client = new AppApiClient(request.appHost, request.appKey)
  const verdicts: PersonVerdict[] = []
  const byType = new Map<IdType, ExpectedPerson[]>()
  for (const person of people) {
    const group = byType.get(person.idType)
    if (group) group.push(person)
    else byType.set(person.idType, [person])
  }
  for (const [idType, group] of byType) {
    for (let i = 0; i < group.length; i += APP_BATCH_SIZE) {
      const batch = group.slice(i, i + APP_BATCH_SIZE)
      const found = new Map<string, AppCustomer>()
      for (const customer of await client.people(idType, batch.map((p) => p.value))) {
        const key = customerKey(idType, customer)
        if (key !== undefined) found.set(key, customer)
      }

      for (const person of batch) verdicts.push(compare(person, found.get(requestKey(idType, person.value))))
    }
  }

  const mismatched = verdicts.filter((v) => v.outcome !== 'equal')
  const mismatchFiles = await writeMismatchFiles(request, mismatched)
  return {
    runId: run.id,
    appHost: request.appHost,
    people: keys.length,
    checked: verdicts.length,
    equal: verdicts.length - mismatched.length,
    missing: mismatched.filter((v) => v.outcome === 'missing').length,
    different: mismatched.filter((v) => v.outcome === 'different').length,
    mismatches: mismatched.map((v) =>
      v.outcome === 'different' ? {identifier: label(v.person), outcome: v.outcome, differences: v.differences} : {identifier: label(v.person), outcome: 'missing' as const},
    ),
    mismatchFiles,
    requests: {...client.counters},
    durationMs: Math.round(performance.now() - started),
  }
}

/** Every row of every mismatched person, per input, in line order, so importing the file again repairs them. */
async function writeMismatchFiles(request: VerifyRequest, mismatched: PersonVerdict[]): Promise<string[]> {
  const rowsByFile = new Map<number, RowFailure[]>()
  for (const verdict of mismatched) {
    const reason = reasonFor(verdict)
    for (const row of verdict.person.rows) {
      const failure: RowFailure = {fileIndex: row.fileIndex, line: row.line, kind: 'failed', rule: `verify_${verdict.outcome}`, reason, raw: row.raw}
      const rows = rowsByFile.get(row.fileIndex)
      if (rows) rows.push(failure)
      else rowsByFile.set(row.fileIndex, [failure])
    }
  }

  const written: string[] = []
  for (const file of request.ledger.runFiles(request.run.id)) {
    const rows = rowsByFile.get(file.fileIndex)
    if (!rows) continue
    const path = resolve(join(request.outputDir ?? process.cwd(), mismatchFileName(file.displayPath, file.format, request.run.id)))
    const writer = new RetryFileWriter(path, file.format, file.header)
    for (const row of rows.sort((a, b) => a.line - b.line)) await writer.add(row)
    await writer.close()
    written.push(path)
  }

  return written
}
