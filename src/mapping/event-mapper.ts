import {TrackLimits, utf8Bytes} from '../cio/limits.js'
import {JsonNumber, stringifyExact} from '../source/json-number.js'
import {jsonDepthOver, parseJsonCell} from '../source/json-text.js'
import type {SourceRecord} from '../source/types.js'
import {CAST_FAILED} from './casts.js'
import {castCell, castViolation, hasKeys, identifiersOf, isEmpty, personKeyOf, setKey, v1PathProblem} from './cells.js'
import {type ColumnPlan, ColumnPlanner, EVENT_IDENTIFIERS, EVENT_NAME_FIELDS, Role} from './column-plan.js'
import {type EventIdDeriver, type EventIdScheme, eventIdDeriver, isEventId} from './event-id.js'
import {IdentifierPicker} from './identifier-picker.js'
import {personKeyFromCells} from './person-key.js'
import type {MapperOptions} from './people-mapper.js'
import {violations} from './rules.js'
import {parseTimestampMs} from './timestamps.js'
import type {MapResult, Mapper, RuleViolation, V2Entry} from './types.js'

export interface EventMapperOptions extends MapperOptions {
  eventIdSeed: string
  /** How ids are derived from the seed and the line; default the current scheme (see event-id.ts). */
  eventIdScheme?: EventIdScheme
}

/** Object.assign would run the __proto__ setter for a "__proto__" key; setKey keeps it data. */
function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(source)) setKey(target, key, source[key])
  return target
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber)
}

/**
 * Event rows -> v2 event entries. Columns that are not the identifier, name, timestamp, event_id or
 * data become event data (NDJSON: unknown top-level fields merge into `data`; CSV: the remaining
 * columns). Those columns win over keys of the same name inside the data object.
 */
export class EventMapper implements Mapper {
  private readonly planner: ColumnPlanner
  private readonly picker: IdentifierPicker
  private readonly checkEntrySize: boolean
  private readonly v1Paths: boolean
  /** The file's id derivation, set up once: per row only the line and the time vary. */
  private readonly deriveId: EventIdDeriver

  // Per-row scratch, reset at the start of map(): fields instead of locals passed around by closure.
  private name: string | undefined = undefined
  private nameRank = 0
  private nameProblem: RuleViolation | undefined = undefined
  private timestampPlan: ColumnPlan | undefined = undefined
  private timestampRaw: unknown = undefined
  private eventIdPlan: ColumnPlan | undefined = undefined
  private eventIdRaw: unknown = undefined
  private blob: Record<string, unknown> | undefined = undefined

  constructor(options: EventMapperOptions) {
    this.planner = new ColumnPlanner('events', options.mapping)
    this.picker = IdentifierPicker.for(EVENT_IDENTIFIERS, options.mapping)
    this.checkEntrySize = options.checkEntrySize
    this.v1Paths = options.v1Paths === true
    this.deriveId = eventIdDeriver(options.eventIdSeed, options.eventIdScheme)
  }

  personKey(record: SourceRecord): string | undefined {
    return personKeyFromCells(record, this.planner, this.picker)
  }

  map(record: SourceRecord): MapResult {
    const fields = record.fields
    if (fields === null) return {ok: false, violation: record.error ?? violations.recordInvalid()}
    const picker = this.picker
    picker.reset()
    this.name = undefined
    this.nameRank = EVENT_NAME_FIELDS.length
    this.nameProblem = undefined
    this.timestampPlan = undefined
    this.eventIdPlan = undefined
    this.blob = undefined
    let extra: Record<string, unknown> | undefined

    for (const column in fields) {
      const plan = this.planner.plan(column)
      const role = plan.role
      if (role === Role.ignore) continue
      const raw = fields[column]
      if (isEmpty(raw)) continue
      switch (role) {
        case Role.candidate:
        case Role.identifier:
          picker.offer(plan, raw)
          break
        case Role.eventName:
          this.offerName(plan, raw)
          break
        case Role.timestamp:
          if (this.timestampPlan === undefined) {
            this.timestampPlan = plan
            this.timestampRaw = raw
          }
          break
        case Role.eventId:
          if (this.eventIdPlan === undefined) {
            this.eventIdPlan = plan
            this.eventIdRaw = raw
          }
          break
        case Role.data: {
          const problem = this.takeBlob(plan, raw)
          if (problem !== undefined) return {ok: false, violation: problem}
          break
        }
        default: {
          const value = castCell(plan, raw)
          if (value === CAST_FAILED) return {ok: false, violation: castViolation(plan, raw)}
          extra ??= {}
          setKey(extra, plan.target, value)
        }
      }
    }

    const missing = picker.pick()
    if (missing !== undefined) return {ok: false, violation: missing}
    if (this.v1Paths) {
      const problem = v1PathProblem(picker.type, picker.value, picker.column)
      if (problem !== undefined) return {ok: false, violation: problem}
    }
    if (this.nameProblem !== undefined) return {ok: false, violation: this.nameProblem}
    // offerName() set it during the loop; TypeScript still sees the reset above.
    const name = this.name as string | undefined
    if (name === undefined) return {ok: false, violation: violations.eventNameMissing(EVENT_NAME_FIELDS)}
    if (name.length > TrackLimits.eventNameBytes / 3) {
      const bytes = utf8Bytes(name)
      if (bytes > TrackLimits.eventNameBytes) return {ok: false, violation: violations.eventNameTooLong(bytes)}
    }

    let timeMs: number | undefined
    if (this.timestampPlan !== undefined) {
      const plan = this.timestampPlan
      const ms = plan.parseDate === undefined ? parseTimestampMs(this.timestampRaw) : plan.parseDate(this.timestampRaw)
      if (ms === null) {
        const violation = plan.dateFormat === undefined
          ? violations.timestampInvalid(plan.source, undefined, this.timestampRaw)
          : violations.timestampFormat(plan.source, undefined, this.timestampRaw, plan.dateFormat)
        return {ok: false, violation}
      }
      if (ms < 0) return {ok: false, violation: violations.eventTimestampNegative(this.timestampPlan.source, this.timestampRaw)}
      timeMs = ms
    }

    let id: string
    if (this.eventIdPlan === undefined) id = this.deriveId(record.line, timeMs)
    else if (isEventId(this.eventIdRaw)) id = this.eventIdRaw
    else return {ok: false, violation: violations.eventIdInvalid(this.eventIdPlan.source, this.eventIdRaw)}

    const data = this.blob === undefined ? extra : extra === undefined ? this.blob : mergeInto(this.blob, extra)
    const entry: V2Entry = {type: 'person', action: 'event', identifiers: identifiersOf(picker.type, picker.value), name, id}
    if (timeMs !== undefined) entry.timestamp = Math.floor(timeMs / 1000)
    if (data !== undefined && hasKeys(data)) entry.attributes = data

    const json = stringifyExact(entry)
    const bytes = utf8Bytes(json)
    if (bytes > TrackLimits.batchEntryBytes || (!this.checkEntrySize && bytes > TrackLimits.eventDataBytes)) {
      // The entry holds the data, so only an oversized entry can hide oversized data: measure it only then.
      const dataBytes = data === undefined ? 0 : utf8Bytes(stringifyExact(data))
      if (dataBytes > TrackLimits.eventDataBytes) return {ok: false, violation: violations.eventDataTooLarge(dataBytes)}
      if (this.checkEntrySize) return {ok: false, violation: violations.entryTooLarge(bytes)}
    }
    return {ok: true, op: {line: record.line, personKey: personKeyOf(picker.type, picker.value), ordered: timeMs === undefined, entry, json, bytes}}
  }

  /** `name` beats `event` whatever their order in the row. */
  private offerName(plan: ColumnPlan, raw: unknown): void {
    if (plan.rank >= this.nameRank) return
    let text: string
    if (typeof raw === 'string') text = raw
    else if (typeof raw === 'number' && Number.isFinite(raw)) text = String(raw)
    else if (raw instanceof JsonNumber) text = raw.text
    else {
      this.nameProblem ??= violations.eventNameInvalid(plan.source, raw)
      return
    }
    if (text.trim() === '') return
    this.name = text
    this.nameRank = plan.rank
    this.nameProblem = undefined
  }

  private takeBlob(plan: ColumnPlan, raw: unknown): RuleViolation | undefined {
    let value = raw
    if (typeof raw === 'string') {
      try {
        value = parseJsonCell(raw)
      } catch (error) {
        if (error instanceof RangeError) return violations.jsonTooDeep(plan.source, undefined, jsonDepthOver(raw))
        return violations.dataInvalid(plan.source, `not valid JSON (${(error as Error).message})`)
      }
    }
    if (!isPlainObject(value)) return violations.dataInvalid(plan.source, `got ${Array.isArray(value) ? 'an array' : typeof value}`)
    // A fresh object: the merge below writes into it, and NDJSON's parsed object must stay as read.
    this.blob = typeof raw === 'string' ? value : {...value}
    return undefined
  }
}
