import {loadMappingFile, type RecordType} from '../mapping/index.js'
import {createReadingReporter} from '../reporting/progress-reporter.js'
import type {InputFormat} from '../source/index.js'
import {renderReport} from './render-report.js'
import type {ValidationReport} from './report.js'
import {validateInputs} from './validate-inputs.js'

export interface ValidateRequest {
  inputs: string[]
  type: RecordType
  format?: InputFormat
  mapping?: string
  api: 'v1' | 'v2'
  rate: number
  concurrency: number
  rejectsFile?: string
  maxBodyBytes?: number
}

export interface ValidateIo {
  /** stdout, one line per call. */
  log(line: string): void
  /** --json: print nothing, the command returns the report. */
  json: boolean
  /** The command's name as the user typed it, for the recommended import command. */
  bin?: string
}

/**
 * What `validate` and `import --dry-run` both run: load the mapping, validate the inputs, print the
 * report (unless --json) and set the exit code. Ctrl-C stops reading and still reports (exit 4).
 * Mapping and input errors are thrown for the command to turn into exit 2.
 */
export async function runValidate(request: ValidateRequest, io: ValidateIo): Promise<ValidationReport> {
  const mapping = request.mapping ? await loadMappingFile(request.mapping) : undefined
  const stop = new AbortController()
  const onSignal = () => stop.abort()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const progress = io.json ? null : createReadingReporter()
  try {
    const report = await validateInputs({
      inputs: request.inputs,
      type: request.type,
      format: request.format,
      mapping,
      mappingPath: request.mapping ?? null,
      api: request.api,
      rate: request.rate,
      concurrency: request.concurrency,
      rejectsFile: request.rejectsFile,
      maxBodyBytes: request.maxBodyBytes,
      signal: stop.signal,
      onProgress: progress ? (p) => progress.update(p) : undefined,
    })
    progress?.clear()
    if (!io.json) for (const line of renderReport(report, io.bin)) io.log(line)
    process.exitCode = report.exitCode
    return report
  } finally {
    progress?.clear()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
