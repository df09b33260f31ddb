import type {SourceRecord} from '../../src/source/types.js'
import type {MapResult, Operation, RuleViolation} from '../../src/mapping/index.js'

/** A record as the reader hands it over; raw/offsets do not matter to the mapper. */
export function record(fields: Record<string, unknown> | null, line = 2, error?: RuleViolation): SourceRecord {
  return {line, raw: '', fields, error, offset: 0, nextOffset: 0}
}

export function op(result: MapResult): Operation {
  if (!result.ok) throw new Error(`expected a mapped row, got ${result.violation.rule}: ${result.violation.message.slice(0, 300)}`)
  return result.op
}

export function broken(result: MapResult): RuleViolation {
  if (result.ok) throw new Error(`expected a rule violation, got an entry of ${result.op.bytes} bytes`)
  return result.violation
}

/** n characters of a 1-byte letter; multi-byte variants are built by the tests that need them. */
export function ascii(n: number, char = 'a'): string {
  return char.repeat(n)
}
