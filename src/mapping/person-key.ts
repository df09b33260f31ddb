import type {SourceRecord} from '../source/types.js'
import {isEmpty, personKeyOf} from './cells.js'
import {type ColumnPlanner, Role} from './column-plan.js'
import type {IdentifierPicker} from './identifier-picker.js'

/**
 * Whose row this is, from its identifier cells alone: the same pick (and normalisation) as the full
 * mapping, without casting attributes or building the entry. `--shard` decides ownership with it
 * before anything else is done with the row, so skipping another shard's row costs a column scan.
 * undefined when the row has no usable identifier (the full mapping would reject it).
 */
export function personKeyFromCells(record: SourceRecord, planner: ColumnPlanner, picker: IdentifierPicker): string | undefined {
  const fields = record.fields
  if (fields === null) return undefined
  picker.reset()
  for (const column in fields) {
    const plan = planner.plan(column)
    if (plan.role !== Role.candidate && plan.role !== Role.identifier) continue
    const raw = fields[column]
    if (!isEmpty(raw)) picker.offer(plan, raw)
  }
  return picker.pick() === undefined ? personKeyOf(picker.type, picker.value) : undefined
}
