import {mkdir, readFile, readdir, rename, writeFile} from 'node:fs/promises'
import path from 'node:path'

import type {ApiVersion} from './operations.js'
import {type Range, SequenceRanges} from './sequence-ranges.js'

/**
 * What a load test leaves behind so `loadtest cleanup RUN_ID` can delete its people later.
 * Holds the target's host and site id, never its API key.
 */
export interface RunRecord {
  version: 1
  runId: string
  /** Every person id of the run is `${idPrefix}${seq}`. */
  idPrefix: string
  host: string
  siteId: string
  api: ApiVersion
  /** "running" until the run ends; a record still "running" means the process died mid-run. */
  status: 'running' | 'finished'
  startedAt: string
  finishedAt?: string
  /** Upper bound on the sequence numbers the run can use, known before the first request. */
  plannedSeqMax: number
  /** Highest sequence number handed out so far. */
  lastSeq: number
  /**
   * Sequence numbers whose operation may have created a person: every operation except those
   * definitely rejected with a 4xx (2xx, 5xx, timeouts, network errors and interrupted ones).
   */
  createdRanges: Range[]
  createdCount: number
  cleanup?: {at: string; deleted: number; failed: number}
}

export class RunRecordError extends Error {}

const RUN_ID = /^[0-9a-z]+$/

export function runRecordPath(stateDir: string, runId: string): string {
  if (!RUN_ID.test(runId)) throw new RunRecordError(`"${runId}" is not a load-test run id (lowercase letters and digits)`)
  return path.join(stateDir, `${runId}.json`)
}

/** Write atomically: a crash mid-write must not leave a record cleanup cannot read. */
export async function writeRunRecord(stateDir: string, record: RunRecord): Promise<string> {
  const file = runRecordPath(stateDir, record.runId)
  const temporary = `${file}.${process.pid}.tmp`
  try {
    await mkdir(stateDir, {recursive: true})
    await writeFile(temporary, JSON.stringify(record, null, 2) + '\n', {mode: 0o600})
    await rename(temporary, file)
  } catch (error) {
    throw new RunRecordError(`Cannot write the run record ${file}: ${(error as Error).message}. Choose another --state-dir.`)
  }

  return file
}

export async function readRunRecord(stateDir: string, runId: string): Promise<RunRecord> {
  const file = runRecordPath(stateDir, runId)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    const known = await listRunIds(stateDir)
    const hint = known.length > 0 ? ` Known runs: ${known.slice(-10).join(', ')}` : ' No load-test runs are recorded there.'
    throw new RunRecordError(`No record for run ${runId} in ${stateDir} (use --state-dir if the run used one).${hint}`)
  }

  let record: RunRecord
  try {
    record = JSON.parse(text) as RunRecord
  } catch (error) {
    throw new RunRecordError(`${file} is not valid JSON: ${(error as Error).message}`)
  }

  if (record.version !== 1 || typeof record.idPrefix !== 'string' || !Array.isArray(record.createdRanges)) {
    throw new RunRecordError(`${file} is not a load-test run record (version 1 with idPrefix and createdRanges)`)
  }

  return record
}

async function listRunIds(stateDir: string): Promise<string[]> {
  try {
    return (await readdir(stateDir)).filter((name) => name.endsWith('.json')).map((name) => name.slice(0, -5)).sort()
  } catch {
    return []
  }
}

/**
 * The sequence numbers cleanup must delete. A finished run knows exactly; a run that died may have
 * sent requests after its last record write, so every number it could have used is included
 * (deleting someone who never existed is harmless).
 */
export function sequencesToDelete(record: RunRecord): SequenceRanges {
  if (record.status === 'finished') return new SequenceRanges(record.createdRanges)
  const upper = Math.max(record.plannedSeqMax, record.lastSeq)
  return new SequenceRanges(upper > 0 ? [[1, upper]] : [])
}
