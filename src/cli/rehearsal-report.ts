import {writeFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'

import type {RunningEmulator, SilentCounts, SilentRecord} from '../emulator/index.js'
import {forEachSentRow} from '../importer/sent-rows.js'
import type {Ledger} from '../ledger/ledger.js'
import type {RunRecord} from '../ledger/records.js'

/** What `import --emulator` adds to its --json summary under `rehearsal` (a documented contract). */
export interface RehearsalSummary {
  /** A new identifier joined the person who owned a body identifier (lead merge): applied. */
  merged: number
  /** Attribute update failures: path and body named different people; production writes nothing and says 200. */
  notApplied: number
  /** Unknown or deleted cio_id: production drops the call and says 200. */
  dropped: number
  /** Calls about suppressed people: production ignores them and says 200. */
  ignored: number
  /** One NDJSON line per case; null when there was none. */
  reportFile: string | null
}

export function rehearsalCounts(counts: SilentCounts): Omit<RehearsalSummary, 'reportFile'> {
  return {merged: counts.merged, notApplied: counts.not_applied, dropped: counts.dropped, ignored: counts.ignored}
}

export function rehearsalLine(r: Omit<RehearsalSummary, 'reportFile'>): string {
  return `would be merged: ${r.merged}, silently not applied: ${r.notApplied} (attribute update failures), dropped: ${r.dropped} (unknown cio_id), ignored: ${r.ignored} (suppressed)`
}

/** Beside the retry file (the current directory), named after the first input and the run. */
export function rehearsalReportPath(displayPath: string, runId: string, dir = process.cwd()): string {
  const base = displayPath === '-' ? 'stdin' : displayPath.split(/[\\/]/).pop()!.replace(/\.gz$/i, '').replace(/\.(csv|ndjson|jsonl|json)$/i, '')
  return resolve(join(dir, `${base}.${runId}.rehearsal.ndjson`))
}

/** Who and what a call sent, in a form both a silent record and a mapped row give: "id:42|{...attributes}". */
function recordKey(record: SilentRecord): string | undefined {
  const [kind, ...rest] = record.identifier.split(':')
  const who = `${kind}:${kind === 'email' ? rest.join(':').toLowerCase() : rest.join(':')}`
  const entry = record.entry as {attributes?: unknown; body?: unknown; identifiers?: unknown}
  if (entry === null || typeof entry !== 'object') return undefined
  const attributes = 'identifiers' in entry ? (entry.attributes ?? {}) : 'body' in entry ? (entry.body ?? {}) : undefined
  return attributes === undefined ? undefined : `${who}|${JSON.stringify(attributes)}`
}

/**
 * The input line of each silent record: the rows are read again with the run's mapper and matched
 * on person and attributes, the k-th record of a key taking the k-th row of it (rows of one person
 * are applied in file order). A record no row matches keeps a null line.
 */
async function inputLines(ledger: Ledger, run: RunRecord, records: SilentRecord[]): Promise<Array<{file: string; line: number} | null>> {
  const wanted = new Map<string, number>()
  const keys = records.map(recordKey)
  for (const key of keys) if (key !== undefined) wanted.set(key, (wanted.get(key) ?? 0) + 1)
  const files = ledger.runFiles(run.id)
  const rows = new Map<string, Array<{file: string; line: number}>>()
  try {
    await forEachSentRow(ledger, run, ({fileIndex, line, op}) => {
      const key = `${op.personKey}|${JSON.stringify(op.entry.attributes ?? {})}`
      if (!wanted.has(key)) return
      const list = rows.get(key) ?? []
      list.push({file: files[fileIndex]?.displayPath ?? '', line})
      rows.set(key, list)
    })
  } catch {
    // The input is gone or unreadable (e.g. a stdin spool): the report still holds every case.
    return records.map(() => null)
  }

  const taken = new Map<string, number>()
  return keys.map((key) => {
    if (key === undefined) return null
    const k = taken.get(key) ?? 0
    taken.set(key, k + 1)
    return rows.get(key)?.[k] ?? null
  })
}

/**
 * Reads what the emulator answered 200 to but production would merge, not apply, drop or ignore,
 * and writes one line per case: {kind, identifier, file, line, detail, entry}.
 */
export async function writeRehearsalReport(emulator: RunningEmulator, ledger: Ledger, run: RunRecord, path: string): Promise<RehearsalSummary> {
  const counts = rehearsalCounts(emulator.inspect.stats().silent)
  const records = emulator.inspect.silent()
  if (records.length === 0) return {...counts, reportFile: null}
  const lines = await inputLines(ledger, run, records)
  const text = records.map((r, i) =>
    JSON.stringify({kind: r.silent, identifier: r.identifier, file: lines[i]?.file ?? null, line: lines[i]?.line ?? null, detail: r.detail, entry: r.entry}),
  )
  await writeFile(path, `${text.join('\n')}\n`)
  return {...counts, reportFile: path}
}
