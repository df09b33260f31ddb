import {TrackLimits, utf8Bytes} from '../cio/limits.js'
import {stringifyExact} from '../source/json-number.js'
import type {SourceRecord} from '../source/types.js'
import {CAST_FAILED} from './casts.js'
import {castCell, castViolation, identifiersOf, isEmpty, personKeyOf, setKey, v1PathProblem, valueOverLimit} from './cells.js'
import {type ColumnPlan, ColumnPlanner, PEOPLE_IDENTIFIERS, Role} from './column-plan.js'
import {IdentifierPicker} from './identifier-picker.js'
import {personKeyFromCells} from './person-key.js'
import type {MappingFile} from './mapping-file.js'
import {violations} from './rules.js'
import type {MapResult, Mapper, RuleViolation, V2Entry} from './types.js'

export interface MapperOptions {
  mapping?: MappingFile
  /** false when sending v1 calls: the 32 KB limit is a v2 batch-entry limit. */
  checkEntrySize: boolean
  /** v1 calls: identifiers go in the URL path, where their shape decides their type (v1PathProblem). */
  v1Paths?: boolean
}

/** People rows -> v2 identify entries. */
export class PeopleMapper implements Mapper {
  private readonly planner: ColumnPlanner
  private readonly picker: IdentifierPicker
  private readonly checkEntrySize: boolean
  private readonly v1Paths: boolean

  constructor(options: MapperOptions) {
    this.planner = new ColumnPlanner('people', options.mapping)
    this.picker = IdentifierPicker.for(PEOPLE_IDENTIFIERS, options.mapping)
    this.checkEntrySize = options.checkEntrySize
    this.v1Paths = options.v1Paths === true
  }

  personKey(record: SourceRecord): string | undefined {
    return personKeyFromCells(record, this.planner, this.picker)
  }

  map(record: SourceRecord): MapResult {
    const fields = record.fields
    if (fields === null) return {ok: false, violation: record.error ?? violations.recordInvalid()}
    const picker = this.picker
    picker.reset()
    const attributes: Record<string, unknown> = {}
    let count = 0
    for (const column in fields) {
      const plan = this.planner.plan(column)
      const role = plan.role
      if (role === Role.ignore) continue
      const raw = fields[column]
      if (isEmpty(raw)) continue
      if (role === Role.candidate || role === Role.identifier) {
        picker.offer(plan, raw)
        if (!plan.alsoAttribute) continue
      }
      const problem = this.addAttribute(attributes, plan, raw)
      if (problem === undefined) count++
      else if (problem !== DUPLICATE) return {ok: false, violation: problem}
    }
    const missing = picker.pick()
    if (missing !== undefined) return {ok: false, violation: missing}
    if (this.v1Paths) {
      const problem = v1PathProblem(picker.type, picker.value, picker.column)
      if (problem !== undefined) return {ok: false, violation: problem}
    }
    if (count > TrackLimits.attributesPerCall) return {ok: false, violation: violations.tooManyAttributes(count)}

    const entry: V2Entry = {type: 'person', action: 'identify', identifiers: identifiersOf(picker.type, picker.value)}
    if (count > 0) entry.attributes = attributes
    const json = stringifyExact(entry)
    const bytes = utf8Bytes(json)
    if (this.checkEntrySize && bytes > TrackLimits.batchEntryBytes) return {ok: false, violation: violations.entryTooLarge(bytes)}
    return {ok: true, op: {line: record.line, personKey: personKeyOf(picker.type, picker.value), ordered: true, entry, json, bytes}}
  }

  /** undefined when added, DUPLICATE when the name was already set by an earlier column, else the broken rule. */
  private addAttribute(attributes: Record<string, unknown>, plan: ColumnPlan, raw: unknown): RuleViolation | typeof DUPLICATE | undefined {
    if (plan.targetBytes > TrackLimits.attributeNameBytes) return violations.attributeNameTooLong(plan.target, plan.targetBytes)
    const value = castCell(plan, raw)
    if (value === CAST_FAILED) return castViolation(plan, raw)
    const over = valueOverLimit(value)
    if (over > 0) return violations.attributeValueTooLong(plan.target, over)
    const duplicate = Object.hasOwn(attributes, plan.target)
    setKey(attributes, plan.target, value)
    return duplicate ? DUPLICATE : undefined
  }
}

const DUPLICATE: unique symbol = Symbol('duplicate attribute')
