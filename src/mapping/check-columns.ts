import {TrackLimits, utf8Bytes} from '../cio/limits.js'
import {ColumnPlanner, EVENT_IDENTIFIERS, EVENT_NAME_FIELDS, PEOPLE_IDENTIFIERS, RETRY_COLUMNS, Role} from './column-plan.js'
import {identifierChoices, MappingError, type MappingFile} from './mapping-file.js'
import {didYouMean} from './suggest.js'
import type {RecordType} from './types.js'

/**
 * A problem with a CSV header as a whole, found before any row is read. Errors mean every row would
 * fail the same way (no identifier column at all) or the mapping does not fit the file (it names a
 * column the header lacks), so the command should stop and say it once;
 * warnings are worth showing but rows can still go.
 */
export interface ColumnProblem {
  level: 'error' | 'warning'
  /** Stable code: identifier_column_missing, event_name_column_missing, column_collision, ... */
  rule: string
  message: string
}

export interface CheckColumnsOptions {
  type: RecordType
  columns: readonly string[]
  mapping?: MappingFile
}

/**
 * Header problems raised as one error by createMapper when given the header. A MappingError (same
 * name, so handlers keyed on it treat it as bad input), told apart by instanceof when needed.
 */
export class ColumnsError extends MappingError {
  constructor(readonly problems: ColumnProblem[]) {
    super(problems.map((p) => p.message).join('; '))
  }
}

function quoteAll(names: readonly string[]): string {
  return names.map((n) => `'${n}'`).join(', ')
}

export function checkColumns(opts: CheckColumnsOptions): ColumnProblem[] {
  const {type, columns, mapping} = opts
  const problems: ColumnProblem[] = []
  const planner = new ColumnPlanner(type, mapping)
  const error = (rule: string, message: string) => problems.push({level: 'error', rule, message})
  const warning = (rule: string, message: string) => problems.push({level: 'warning', rule, message})

  // Duplicate and empty header names are the reader's rules (csv_duplicate_header, csv_empty_header).
  const plans = columns.filter((c) => !RETRY_COLUMNS.has(c)).map((c) => planner.plan(c))
  const targets = new Map<string, string>()
  for (const plan of plans) {
    if (plan.role === Role.ignore) continue
    const other = targets.get(plan.target)
    if (other !== undefined && other !== plan.source) {
      error('column_collision', `columns '${other}' and '${plan.source}' both become '${plan.target}'; rename or ignore one in the mapping`)
    }
    targets.set(plan.target, plan.source)
    if (plan.role === Role.attribute && type === 'people' && plan.targetBytes > TrackLimits.attributeNameBytes) {
      warning(
        'attribute_name_too_long',
        `attribute name '${plan.target}' (column '${plan.source}') cannot be longer than ${TrackLimits.attributeNameBytes} bytes (${utf8Bytes(plan.target)} bytes); every row with a value there will be invalid: rename it in the mapping`,
      )
    }
  }

  const chosen = identifierChoices(mapping)
  const named = columns.filter((c) => !RETRY_COLUMNS.has(c))
  if (chosen.length > 0) {
    for (const choice of chosen) {
      if (!columns.includes(choice.column)) {
        error('identifier_column_missing', `the mapping's identifier column '${choice.column}' is not in the header${didYouMean(choice.column, named)}`)
      }
    }
    const chosenNames = chosen.map((c) => `'${c.column}'`).join(', ')
    for (const plan of plans) {
      if (plan.role === Role.ignore && !chosen.some((c) => c.column === plan.source) && mapping?.columns?.[plan.source]?.ignore !== true) {
        warning('column_ignored', `column '${plan.source}' is ignored: the mapping chose ${chosenNames} as the identifier`)
      }
    }
  } else {
    const candidates: readonly string[] = type === 'people' ? PEOPLE_IDENTIFIERS : EVENT_IDENTIFIERS
    if (!plans.some((p) => p.role === Role.candidate)) {
      error(
        'identifier_column_missing',
        `no identifier column: the header needs one of ${quoteAll(candidates)}, or a mapping file naming the identifier column ("identifier": {"column": "...", "type": "id"})`,
      )
    }
  }

  if (type === 'events' && !plans.some((p) => p.role === Role.eventName)) {
    error('event_name_column_missing', `no event name column: the header needs ${quoteAll(EVENT_NAME_FIELDS)}, or a mapping renaming a column to 'name'`)
  }

  // An error, not a warning: a typo ("Emial") would otherwise drop that column from every row in silence.
  for (const column of Object.keys(mapping?.columns ?? {})) {
    if (!columns.includes(column)) {
      error('mapping_column_missing', `the mapping names column '${column}', which is not in the header${didYouMean(column, named)}`)
    }
  }
  return problems
}
