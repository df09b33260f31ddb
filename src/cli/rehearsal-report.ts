import {writeFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'

import type {RunningEmulator, SilentCounts} from '../emulator/index.js'

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

/**
 * Reads what the emulator answered 200 to but production would merge, not apply, drop or ignore,
 * and writes one line per case: {kind, identifier, detail, entry}.
 */
export async function writeRehearsalReport(emulator: RunningEmulator, path: string): Promise<RehearsalSummary> {
  const counts = rehearsalCounts(emulator.inspect.stats().silent)
  const records = emulator.inspect.silent()
  if (records.length === 0) return {...counts, reportFile: null}
  const lines = records.map((r) => JSON.stringify({kind: r.silent, identifier: r.identifier, detail: r.detail, entry: r.entry}))
  await writeFile(path, `${lines.join('\n')}\n`)
  return {...counts, reportFile: path}
}
