import type {RunSummary} from '../importer/summary.js'
import type {RunRecord} from '../ledger/records.js'
import {REGION_HOSTS} from '../target/track-target.js'

/** A word as a POSIX shell reads it: plain when safe, else single-quoted. */
export function shellWord(text: string): string {
  return /^[\w./:@%+=,-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`
}

/**
 * The import that sends a finished run's retry files once they are fixed: same type, mapping, API
 * and target as the run, never the credentials. Null when nothing failed or the run is unfinished
 * (then the next step is the resume command).
 */
export function retryImportCommand(run: RunRecord, summary: RunSummary, stateFlag?: string): string | null {
  const retryFiles = summary.files.map((f) => f.retryFile).filter((f): f is string => f !== null)
  if (retryFiles.length === 0 || summary.resumeCommand) return null
  const parts = ['cio-backfill import', ...retryFiles.map(shellWord), '--type', run.type]
  if (run.config.mappingPath) parts.push('--mapping', shellWord(run.config.mappingPath))
  if (run.api !== 'v2') parts.push('--api', run.api)
  if (run.config.emulator) parts.push('--emulator')
  else if (run.host === REGION_HOSTS.eu) parts.push('--region', 'eu')
  else if (run.host !== REGION_HOSTS.us) parts.push('--endpoint', shellWord(run.host))
  if (stateFlag) parts.push('--state', shellWord(stateFlag))
  return parts.join(' ')
}
