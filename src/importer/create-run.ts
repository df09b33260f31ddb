import {constants} from 'node:fs'
import {access} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'
import {ulid} from 'ulid'

import type {Ledger} from '../ledger/ledger.js'
import type {RunConfig, RunFileRecord, RunRecord} from '../ledger/records.js'
import {defaultRetryFileName} from '../reporting/retry-file.js'
import {checkColumns, createMapper, EVENT_ID_SCHEME, type MappingFile} from '../mapping/index.js'
import {fingerprintInput, InputError, openSource} from '../source/index.js'
import {formatFromName} from '../source/input-format.js'
import type {InputFormat} from '../source/types.js'
import type {TrackTarget} from '../target/track-target.js'
import {spoolStdin} from './stdin-spool.js'

export interface NewRunRequest {
  /** As the user gave them; '-' is stdin. */
  inputs: string[]
  format?: InputFormat
  config: RunConfig
  /** --retry-file; with several inputs the second and later get -2, -3... before the extension. */
  retryFile?: string
  spoolDir: string
  target: TrackTarget
  /** The run's id when the caller announced it already (while stdin is being spooled); else a new one. */
  id?: string
  /** Bytes of stdin spooled so far, as they arrive. */
  onStdinBytes?: (bytes: number) => void
  /**
   * Called once every input has passed its checks and before the run is recorded: the place for the
   * target check and the question before a production run. Throwing leaves no run behind.
   */
  beforeRecord?: (files: RunFileRecord[]) => Promise<void>
  /** Header warnings (column_ignored, attribute_name_too_long...), as validate reports them; rows still go. */
  onWarning?: (warning: HeaderWarning) => void
}

export interface HeaderWarning {
  /** The input as given. */
  file: string
  rule: string
  message: string
}

function retryPathFor(request: NewRunRequest, index: number, displayPath: string, format: InputFormat, runId: string): string {
  if (!request.retryFile) return resolve(defaultRetryFileName(displayPath, format, runId))
  if (index === 0) return resolve(request.retryFile)
  return resolve(request.retryFile.replace(/(\.[^./\\]+)?$/, (ext) => `-${index + 1}${ext}`))
}

/**
 * Problems that would fail the whole file (empty, a broken header, no identifier or event name
 * column, a mapping that does not fit) are reported before a run exists, so the ledger holds no run
 * that could only fail again.
 */
async function checkHeader(path: string, given: string, format: InputFormat, request: NewRunRequest): Promise<void> {
  const {config} = request
  const source = await openSource(path, {format})
  try {
    if (source.columns) {
      const mapping = (config.mapping ?? undefined) as MappingFile | undefined
      for (const problem of checkColumns({type: config.type, columns: source.columns, mapping})) {
        if (problem.level === 'warning') request.onWarning?.({file: given, rule: problem.rule, message: problem.message})
      }
    }
    createMapper({type: config.type, mapping: (config.mapping ?? undefined) as MappingFile | undefined, columns: source.columns, eventIdSeed: '', api: config.api})
  } catch (error) {
    if ((error as Error).name === 'MappingError') (error as Error).message = `${given}: ${(error as Error).message}`
    throw error
  } finally {
    source.close()
  }
}

/** Fail before sending anything when the retry file could not be written at the end. */
async function assertWritableFolder(file: string): Promise<void> {
  try {
    await access(dirname(file), constants.W_OK)
  } catch {
    throw new InputError(file, 'retry_file_unwritable', `the folder ${dirname(file)} does not exist or cannot be written`)
  }
}

/** Run ids are ULIDs: sortable by creation time. */
export function newRunId(): string {
  return ulid()
}

/** Record a new run in the ledger: its inputs' fingerprints, its configuration (no secrets) and target. */
export async function createRun(ledger: Ledger, request: NewRunRequest): Promise<RunRecord> {
  const id = request.id ?? newRunId()
  if (request.inputs.filter((i) => i === '-').length > 1) throw new InputError('-', 'usage', 'stdin can be given only once')
  const files: RunFileRecord[] = []
  for (const [fileIndex, given] of request.inputs.entries()) {
    let path = resolve(given)
    let format = request.format ?? formatFromName(given)
    if (given === '-') {
      const spooled = await spoolStdin(request.spoolDir, `${id}-${fileIndex}.input`, request.format, request.onStdinBytes)
      path = spooled.path
      format = spooled.format
    }

    if (!format) {
      throw new InputError(given, 'unknown_format', 'cannot tell the format from the file name; use --format csv or --format ndjson')
    }

    await checkHeader(path, given, format, request)
    const fingerprint = await fingerprintInput(path)
    files.push({
      fileIndex,
      path,
      displayPath: given,
      format,
      ...fingerprint,
      header: null,
      retryFile: retryPathFor(request, fileIndex, given, format, id),
      done: false,
      resumeLine: 1,
      resumeOffset: 0,
    })
  }

  await Promise.all(files.map((f) => assertWritableFolder(f.retryFile)))
  await request.beforeRecord?.(files)
  // The id scheme is fixed here for the run's life: a resume by a later version derives the same ids.
  const config = {...request.config, eventIdScheme: request.config.eventIdScheme ?? EVENT_ID_SCHEME}
  const run = {id, type: request.config.type, api: request.config.api, siteId: request.target.siteId, host: request.target.host, config}
  ledger.createRun(run, files)
  return ledger.getRun(id)!
}
