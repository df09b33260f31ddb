import {checkColumns, ColumnsError} from './check-columns.js'
import {checkMappingFor} from './column-plan.js'
import type {EventIdScheme} from './event-id.js'
import {EventMapper} from './event-mapper.js'
import type {MappingFile} from './mapping-file.js'
import {PeopleMapper} from './people-mapper.js'
import type {Mapper, RecordType} from './types.js'

export interface CreateMapperOptions {
  type: RecordType
  mapping?: MappingFile
  /** CSV header, when there is one: header errors (checkColumns) are thrown up front as one ColumnsError. */
  columns?: string[] | null
  /** Stable per input (e.g. `${headHash}:${size}`): derived event ids depend on it and the line only. */
  eventIdSeed: string
  /**
   * How derived event ids are made (event-id.ts); default the current scheme. A run passes the scheme
   * it was created with, so a resume after an upgrade re-sends the ids it sent before.
   */
  eventIdScheme?: EventIdScheme
  /** 'v1' drops the 32 KB v2 batch-entry rule (v1 sends one call per row) and checks path identifiers; default 'v2'. */
  api?: 'v1' | 'v2'
}

/**
 * The one place rows become operations, shared by import and validate so both apply the same rules.
 * Throws MappingError when the mapping cannot serve this record type, and ColumnsError when the header
 * guarantees every row would fail (call checkColumns first to also show its warnings).
 */
export function createMapper(opts: CreateMapperOptions): Mapper {
  checkMappingFor(opts.mapping, opts.type)
  if (opts.columns) {
    const errors = checkColumns({type: opts.type, columns: opts.columns, mapping: opts.mapping}).filter((p) => p.level === 'error')
    if (errors.length > 0) throw new ColumnsError(errors)
  }
  const v1Paths = opts.api === 'v1'
  const checkEntrySize = !v1Paths
  return opts.type === 'people'
    ? new PeopleMapper({mapping: opts.mapping, checkEntrySize, v1Paths})
    : new EventMapper({mapping: opts.mapping, checkEntrySize, v1Paths, eventIdSeed: opts.eventIdSeed, eventIdScheme: opts.eventIdScheme})
}
