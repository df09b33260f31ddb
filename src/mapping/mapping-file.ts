import {readFile} from 'node:fs/promises'
import {compileDateFormat, DateFormatError} from './date-format.js'
import type {IdentifierType, RecordType} from './types.js'

/** How a column's values are cast before sending. Untyped columns keep their values as read. */
export type ColumnType = 'string' | 'number' | 'boolean' | 'timestamp' | 'json'
export const COLUMN_TYPES: readonly ColumnType[] = ['string', 'number', 'boolean', 'timestamp', 'json']

/** Events may be keyed by an anonymous id; people may not. */
export type MappingIdentifierType = IdentifierType | 'anonymous_id'
export const IDENTIFIER_TYPES: readonly MappingIdentifierType[] = ['id', 'email', 'cio_id', 'anonymous_id']

/** One identifier column and how Customer.io should read it. */
export interface IdentifierChoice {
  column: string
  type: MappingIdentifierType
}

export interface ColumnSpec {
  /** New name: a canonical field (id, email, name, timestamp, event_id, anonymous_id, data, ...) or any attribute name. */
  as?: string
  type?: ColumnType
  /** Drop the column entirely. */
  ignore?: boolean
  /** Timestamps: how the dates are written (`MM/DD/YYYY`, `DD/MM/YYYY`, `YYYY-MM-DD HH:mm:ss`...); implies type timestamp. */
  format?: string
  /** With `format`: the zone of the written times (IANA name, `+02:00`, or `UTC`, the default). */
  timezone?: string
  /** Free text for people editing the file; not used. */
  comment?: string
}

/** The `--mapping FILE` format (documented in docs/mapping.md). Every key is optional. */
export interface MappingFile {
  /** Format version; only 1 exists. */
  version?: 1
  /** The record type the file was written for; when present it must match --type. */
  type?: RecordType
  comment?: string
  /**
   * The column that identifies the person (as named in the input, before any rename) and its identifier
   * type; or a list of them in order, the first non-empty one identifying the row (fallback identifiers).
   */
  identifier?: IdentifierChoice | IdentifierChoice[]
  /** Input column (CSV header or NDJSON top-level key) -> what to do with it. */
  columns?: Record<string, ColumnSpec>
}

/** The mapping's identifier columns in order (one, several as fallbacks, or none). */
export function identifierChoices(mapping: MappingFile | undefined): IdentifierChoice[] {
  const identifier = mapping?.identifier
  if (identifier === undefined) return []
  return Array.isArray(identifier) ? identifier : [identifier]
}

/** A mapping file that cannot be used; the message names the file and the offending key. */
export class MappingError extends Error {
  override name = 'MappingError'
}

const TOP_KEYS = ['version', 'type', 'comment', 'identifier', 'columns']
const IDENTIFIER_KEYS = ['column', 'type']
const COLUMN_KEYS = ['as', 'type', 'ignore', 'comment', 'format', 'timezone']

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function list(values: readonly string[]): string {
  return values.join(', ')
}

function checkKeys(where: string, value: Record<string, unknown>, allowed: readonly string[], fail: (m: string) => never): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(`${where}unknown key '${key}' (allowed: ${list(allowed)})`)
  }
}

/**
 * Checks a parsed mapping strictly: a typo such as "colums" or "type": "int" must stop the run,
 * not silently import every column untyped. `source` names the file in messages.
 */
export function parseMappingFile(value: unknown, source: string): MappingFile {
  const fail = (message: string): never => {
    throw new MappingError(`mapping file ${source}: ${message}`)
  }
  if (!isPlainObject(value)) return fail('must be a JSON object')
  checkKeys('', value, TOP_KEYS, fail)
  const mapping: MappingFile = {}

  if (value.version !== undefined) {
    if (value.version !== 1) fail(`'version' must be 1, got ${JSON.stringify(value.version)}`)
    mapping.version = 1
  }
  if (value.type !== undefined) {
    if (value.type !== 'people' && value.type !== 'events') fail(`'type' must be "people" or "events", got ${JSON.stringify(value.type)}`)
    mapping.type = value.type as RecordType
  }
  if (value.comment !== undefined) {
    if (typeof value.comment !== 'string') fail(`'comment' must be a string`)
    mapping.comment = value.comment as string
  }

  if (value.identifier !== undefined) {
    const parseChoice = (identifier: unknown, where: string): IdentifierChoice => {
      if (!isPlainObject(identifier)) return fail(`'${where}' must be an object like {"column": "user_id", "type": "id"}`)
      checkKeys(`${where}: `, identifier, IDENTIFIER_KEYS, fail)
      if (typeof identifier.column !== 'string' || identifier.column === '') fail(`'${where}.column' must be a non-empty string`)
      if (!IDENTIFIER_TYPES.includes(identifier.type as MappingIdentifierType)) {
        fail(`'${where}.type' must be one of ${list(IDENTIFIER_TYPES)}, got ${JSON.stringify(identifier.type)}`)
      }
      if (mapping.type === 'people' && identifier.type === 'anonymous_id') fail(`'${where}.type' anonymous_id is only for events`)
      return {column: identifier.column as string, type: identifier.type as MappingIdentifierType}
    }
    if (Array.isArray(value.identifier)) {
      if (value.identifier.length === 0) fail(`'identifier' lists no column: give one or more {"column": ..., "type": ...} in order`)
      const choices = value.identifier.map((choice, i) => parseChoice(choice, `identifier[${i}]`))
      const seen = new Set<string>()
      for (const choice of choices) {
        if (seen.has(choice.column)) fail(`'identifier' lists column '${choice.column}' twice`)
        seen.add(choice.column)
      }
      mapping.identifier = choices
    } else {
      mapping.identifier = parseChoice(value.identifier, 'identifier')
    }
  }

  if (value.columns !== undefined) {
    if (!isPlainObject(value.columns)) return fail(`'columns' must be an object of column name -> {as, type, ignore}`)
    const columns: Record<string, ColumnSpec> = {}
    const targets = new Map<string, string>()
    for (const [column, raw] of Object.entries(value.columns)) {
      const where = `columns['${column}']: `
      if (!isPlainObject(raw)) return fail(`${where}must be an object like {"as": "first_name", "type": "string"}`)
      checkKeys(where, raw, COLUMN_KEYS, fail)
      const spec: ColumnSpec = {}
      if (raw.as !== undefined) {
        if (typeof raw.as !== 'string' || raw.as === '') fail(`${where}'as' must be a non-empty string`)
        spec.as = raw.as as string
      }
      if (raw.type !== undefined) {
        if (!COLUMN_TYPES.includes(raw.type as ColumnType)) {
          fail(`${where}unknown type ${JSON.stringify(raw.type)} (allowed: ${list(COLUMN_TYPES)})`)
        }
        spec.type = raw.type as ColumnType
      }
      if (raw.ignore !== undefined) {
        if (typeof raw.ignore !== 'boolean') fail(`${where}'ignore' must be true or false`)
        if (raw.ignore && (spec.as !== undefined || spec.type !== undefined)) fail(`${where}an ignored column cannot also have 'as' or 'type'`)
        spec.ignore = raw.ignore as boolean
      }
      if (raw.comment !== undefined) {
        if (typeof raw.comment !== 'string') fail(`${where}'comment' must be a string`)
        spec.comment = raw.comment as string
      }
      if (raw.format !== undefined || raw.timezone !== undefined) {
        if (typeof raw.format !== 'string' || raw.format === '') fail(`${where}'format' must be a date format such as "MM/DD/YYYY"${raw.timezone === undefined ? '' : ` ('timezone' goes with it)`}`)
        if (raw.timezone !== undefined && (typeof raw.timezone !== 'string' || raw.timezone === '')) fail(`${where}'timezone' must be a string such as "America/New_York" or "+02:00"`)
        if (spec.ignore) fail(`${where}an ignored column cannot also have a 'format'`)
        if (spec.type !== undefined && spec.type !== 'timestamp') fail(`${where}'format' is for timestamps, but the type is ${spec.type}`)
        try {
          compileDateFormat(raw.format as string, raw.timezone as string | undefined)
        } catch (error) {
          if (error instanceof DateFormatError) fail(`${where}${error.message}`)
          throw error
        }
        spec.format = raw.format as string
        if (raw.timezone !== undefined) spec.timezone = raw.timezone as string
      }
      if (!spec.ignore) {
        const target = spec.as ?? column
        const other = targets.get(target)
        if (other !== undefined) fail(`columns '${other}' and '${column}' both map to '${target}'`)
        targets.set(target, column)
      }
      columns[column] = spec
    }
    mapping.columns = columns
  }

  for (const choice of identifierChoices(mapping)) {
    const spec = mapping.columns?.[choice.column]
    if (spec !== undefined && (spec.ignore || spec.as !== undefined || spec.format !== undefined || (spec.type !== undefined && spec.type !== 'string'))) {
      fail(`columns['${choice.column}']: the identifier column is sent as read: it cannot be renamed, typed or ignored`)
    }
  }
  return mapping
}

/** Reads and checks a mapping file; every problem is a MappingError naming the file. */
export async function loadMappingFile(path: string): Promise<MappingFile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new MappingError(`mapping file ${path}: cannot be read (${code ?? (error as Error).message})`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (error) {
    throw new MappingError(`mapping file ${path}: not valid JSON (${(error as Error).message})`)
  }
  return parseMappingFile(parsed, path)
}
