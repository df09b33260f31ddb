import type {ValueType} from '../mapping/index.js'
import type {AttributeReport} from './report.js'

/** NDJSON keys vary per row: past this many names the profile only counts the rest. */
export const MAX_PROFILED_ATTRIBUTES = 1000

const TYPES: ValueType[] = ['string', 'number', 'boolean', 'timestamp', 'json']
const TYPE_INDEX: Record<ValueType, number> = {string: 0, number: 1, boolean: 2, timestamp: 3, json: 4}

/** Attributes seen on valid rows: how many rows carry each, and the types their values look like. */
export class AttributeProfile {
  private readonly counts = new Map<string, Float64Array>()
  private readonly unlisted = new Set<string>()
  private unlistedOverflow = false

  add(name: string, type: ValueType): void {
    let counts = this.counts.get(name)
    if (counts === undefined) {
      if (this.counts.size >= MAX_PROFILED_ATTRIBUTES) {
        // Count names beyond the cap up to a second bound, then say "at least".
        if (this.unlisted.size < MAX_PROFILED_ATTRIBUTES * 10) this.unlisted.add(name)
        else this.unlistedOverflow = true
        return
      }
      counts = new Float64Array(TYPES.length)
      this.counts.set(name, counts)
    }
    counts[TYPE_INDEX[type]]++
  }

  /** Names beyond the listed ones (a lower bound when there were very many). */
  get notListed(): number {
    return this.unlisted.size + (this.unlistedOverflow ? 1 : 0)
  }

  /** Most common attribute first. */
  result(): AttributeReport[] {
    const out: AttributeReport[] = []
    for (const [name, counts] of this.counts) {
      const types = TYPES.map((type, i) => ({type, rows: counts[i]}))
        .filter((t) => t.rows > 0)
        .sort((a, b) => b.rows - a.rows)
      const rows = types.reduce((sum, t) => sum + t.rows, 0)
      out.push({name, rows, type: types.length === 1 ? types[0].type : 'mixed', types})
    }
    return out.sort((a, b) => b.rows - a.rows || a.name.localeCompare(b.name))
  }
}
