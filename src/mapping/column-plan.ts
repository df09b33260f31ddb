import {utf8Bytes} from '../cio/limits.js'
import {compileDateFormat, type DateParser} from './date-format.js'
import {type ColumnType, identifierChoices, type MappingFile, MappingError} from './mapping-file.js'
import type {RecordType} from './types.js'

/** What a column is for. Numbers, not strings: the mapper switches on this once per cell. */
export const Role = {
  ignore: 0,
  /** A column the mapping file names as the identifier (rank: its place in the mapping's list). */
  identifier: 1,
  /** One of id, email, cio_id, anonymous_id when no mapping identifier is set; the first non-empty wins. */
  candidate: 2,
  attribute: 3,
  eventName: 4,
  timestamp: 5,
  eventId: 6,
  /** Events: a JSON object of event data. */
  data: 7,
} as const
export type RoleValue = (typeof Role)[keyof typeof Role]

export interface ColumnPlan {
  /** The column as named in the input (for messages). */
  source: string
  /** Attribute / data key, or the canonical field the column feeds. */
  target: string
  role: RoleValue
  cast: ColumnType | undefined
  /** Candidates: rank among id, email, cio_id, anonymous_id. Event names: 0 for `name`, 1 for `event`. */
  rank: number
  /** People's email is both an identifier candidate and an attribute. */
  alsoAttribute: boolean
  /** UTF-8 bytes of target, computed once per column rather than per cell. */
  targetBytes: number
  /** Timestamps with a declared format: reads them (Unix ms) instead of the ISO / Unix rules. */
  parseDate?: DateParser
  /** The declared format, for messages. */
  dateFormat?: string
}

/** Columns our own retry files add; importing a retry file must not send them. */
export const RETRY_COLUMNS: ReadonlySet<string> = new Set(['_line', '_error'])
export const PEOPLE_IDENTIFIERS = ['id', 'email', 'cio_id'] as const
export const EVENT_IDENTIFIERS = ['id', 'email', 'cio_id', 'anonymous_id'] as const
export const EVENT_NAME_FIELDS = ['name', 'event'] as const

/** Input columns whose values are sent as read, never cast. */
const UNCASTABLE_EVENT_FIELDS = new Set(['name', 'event', 'event_id'])

/** NDJSON keys vary per row; the cache stops growing here so hostile input cannot eat memory. */
const MAX_CACHED_PLANS = 10_000

/**
 * Rejects a mapping that cannot work for this record type (a file written for events used on people,
 * an identifier column cast to a number). Thrown once, before any row is read.
 */
export function checkMappingFor(mapping: MappingFile | undefined, type: RecordType): void {
  if (mapping === undefined) return
  if (mapping.type !== undefined && mapping.type !== type) {
    throw new MappingError(`the mapping file is for ${mapping.type}, but the input is imported as ${type}`)
  }
  if (type === 'people' && identifierChoices(mapping).some((c) => c.type === 'anonymous_id')) {
    throw new MappingError(`the mapping's identifier type anonymous_id is only for events; people need id, email or cio_id`)
  }
  const identifiers: readonly string[] = type === 'people' ? PEOPLE_IDENTIFIERS : EVENT_IDENTIFIERS
  for (const [column, spec] of Object.entries(mapping.columns ?? {})) {
    const target = spec.as ?? column
    const cast = spec.format === undefined ? spec.type : 'timestamp'
    if (cast === undefined || cast === 'string') continue
    if (identifiers.includes(target)) {
      throw new MappingError(`columns['${column}']: '${target}' is an identifier and is sent as read; it cannot be typed ${cast}`)
    }
    if (type === 'events' && UNCASTABLE_EVENT_FIELDS.has(target)) {
      throw new MappingError(`columns['${column}']: '${target}' cannot be typed ${cast}`)
    }
    if (type === 'events' && target === 'timestamp' && cast !== 'timestamp') {
      throw new MappingError(`columns['${column}']: the event timestamp is always read as a timestamp, not ${cast}`)
    }
    if (type === 'events' && target === 'data' && cast !== 'json') {
      throw new MappingError(`columns['${column}']: event data is always read as JSON, not ${cast}`)
    }
  }
}

/** Decides, once per column name, what the column is for; the mapper looks plans up per cell. */
export class ColumnPlanner {
  private readonly plans = new Map<string, ColumnPlan>()
  private readonly chosen: ReturnType<typeof identifierChoices>

  constructor(
    private readonly type: RecordType,
    private readonly mapping: MappingFile | undefined,
  ) {
    this.chosen = identifierChoices(mapping)
  }

  plan(column: string): ColumnPlan {
    let plan = this.plans.get(column)
    if (plan === undefined) {
      plan = this.build(column)
      if (this.plans.size < MAX_CACHED_PLANS) this.plans.set(column, plan)
    }
    return plan
  }

  private build(source: string): ColumnPlan {
    const make = (role: RoleValue, target: string, cast?: ColumnType, rank = 0, alsoAttribute = false): ColumnPlan => ({
      source,
      target,
      role,
      cast,
      rank,
      alsoAttribute,
      targetBytes: utf8Bytes(target),
    })
    if (RETRY_COLUMNS.has(source)) return make(Role.ignore, source)
    const spec = this.mapping?.columns?.[source]
    if (spec?.ignore) return make(Role.ignore, source)
    const rank = this.chosen.findIndex((c) => c.column === source)
    if (rank >= 0) {
      const chosen = this.chosen[rank]
      return make(Role.identifier, chosen.type, undefined, rank, this.type === 'people' && chosen.type === 'email')
    }
    const target = spec?.as ?? source
    // A declared date format says the column holds dates, whatever its name.
    const cast = spec?.format !== undefined ? 'timestamp' : spec?.type
    const plan = this.type === 'people' ? this.forPeople(target, cast, make) : this.forEvents(target, cast, make)
    if (spec?.format !== undefined) {
      plan.parseDate = compileDateFormat(spec.format, spec.timezone)
      plan.dateFormat = spec.timezone === undefined ? spec.format : `${spec.format} (${spec.timezone})`
    }
    return plan
  }

  private forPeople(target: string, cast: ColumnType | undefined, make: PlanMaker): ColumnPlan {
    const rank = (PEOPLE_IDENTIFIERS as readonly string[]).indexOf(target)
    if (rank >= 0) {
      // With an explicit identifier column, other id/cio_id columns are dropped (checkColumns warns):
      // sending them as attributes would try to change the person's id.
      if (this.chosen.length > 0) return target === 'email' ? make(Role.attribute, target) : make(Role.ignore, target)
      return make(Role.candidate, target, undefined, rank, target === 'email')
    }
    if (target === 'created_at') return make(Role.attribute, target, cast ?? 'timestamp')
    return make(Role.attribute, target, cast)
  }

  private forEvents(target: string, cast: ColumnType | undefined, make: PlanMaker): ColumnPlan {
    const rank = (EVENT_IDENTIFIERS as readonly string[]).indexOf(target)
    if (rank >= 0) return this.chosen.length === 0 ? make(Role.candidate, target, undefined, rank) : make(Role.ignore, target)
    const nameRank = (EVENT_NAME_FIELDS as readonly string[]).indexOf(target)
    if (nameRank >= 0) return make(Role.eventName, target, undefined, nameRank)
    if (target === 'timestamp') return make(Role.timestamp, target)
    if (target === 'event_id') return make(Role.eventId, target)
    if (target === 'data') return make(Role.data, target)
    return make(Role.attribute, target, cast)
  }
}

type PlanMaker = (role: RoleValue, target: string, cast?: ColumnType, rank?: number, alsoAttribute?: boolean) => ColumnPlan
