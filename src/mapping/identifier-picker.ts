import {identifierText, identifierTooLong, normaliseIdentifier, NOT_AN_IDENTIFIER} from './cells.js'
import type {ColumnPlan} from './column-plan.js'
import {identifierChoices, type MappingFile, type MappingIdentifierType} from './mapping-file.js'
import {violations} from './rules.js'
import type {RuleViolation} from './types.js'

type Slot = string | typeof NOT_AN_IDENTIFIER | undefined

/**
 * Collects a row's identifier candidates as its cells go by, then picks one: the mapping's identifier
 * column when it names one, else the first non-empty of the candidate columns in rank order.
 * One instance per mapper, reset per row, so no row allocates arrays.
 */
export class IdentifierPicker {
  type: MappingIdentifierType = 'id'
  value = ''
  column = ''
  private readonly slots: Slot[]
  private readonly raws: unknown[]
  private readonly columns: string[]

  constructor(
    /** Candidate names in rank order (id, email, cio_id[, anonymous_id]), or the single mapping column. */
    private readonly names: readonly MappingIdentifierType[],
    /** For the "missing" message: the columns the row could have used. */
    private readonly describedColumns: readonly string[],
  ) {
    this.slots = names.map(() => undefined)
    this.raws = names.map(() => undefined)
    this.columns = names.map(() => '')
  }

  /** The mapping's identifier columns (in its order) when it names any, else the standard candidates in rank order. */
  static for(standard: readonly MappingIdentifierType[], mapping?: MappingFile): IdentifierPicker {
    const chosen = identifierChoices(mapping)
    if (chosen.length === 0) return new IdentifierPicker(standard, standard)
    return new IdentifierPicker(
      chosen.map((c) => c.type),
      chosen.map((c) => c.column),
    )
  }

  reset(): void {
    this.slots.fill(undefined)
  }

  offer(plan: ColumnPlan, raw: unknown): void {
    const rank = plan.rank
    if (this.slots[rank] !== undefined) return
    const text = identifierText(raw)
    if (text === undefined) return
    this.slots[rank] = text
    this.raws[rank] = raw
    this.columns[rank] = plan.source
  }

  /** Picks the identifier into type/value/column, or says why the row has none. */
  pick(): RuleViolation | undefined {
    for (let rank = 0; rank < this.slots.length; rank++) {
      const slot = this.slots[rank]
      if (slot === undefined) continue
      if (slot === NOT_AN_IDENTIFIER) return violations.identifierInvalid(this.columns[rank]!, this.raws[rank])
      const type = this.names[rank]!
      const tooLong = identifierTooLong(this.columns[rank]!, slot)
      if (tooLong !== undefined) return tooLong
      this.type = type
      this.value = normaliseIdentifier(type, slot)
      this.column = this.columns[rank]!
      return undefined
    }
    return violations.identifierMissing(this.describedColumns)
  }
}
