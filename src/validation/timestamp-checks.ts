import {parseTimestamp, suspiciousTimestamp, type TimestampSuspicion} from '../mapping/index.js'
import type {SuspicionCount, TimestampColumnReport} from './report.js'

const MAX_COLUMNS = 1000
const KIND_ORDER: TimestampSuspicion[] = ['milliseconds', 'far_future', 'before_2009']

interface ColumnState {
  report: TimestampColumnReport
  byKind: Map<TimestampSuspicion, SuspicionCount>
}

/**
 * Timestamps whose unit or range looks wrong, per column: milliseconds where Customer.io expects
 * seconds, dates more than a year ahead, dates before Customer.io existed (2009). Columns the
 * mapping reads as timestamps get all three checks; other columns only the milliseconds check (a
 * text column of Unix milliseconds lands as useless strings), since an untyped date such as a
 * birthday before 2009 is fine.
 */
export class TimestampChecks {
  private readonly columns = new Map<string, ColumnState>()

  constructor(
    private readonly nowMs: number,
    private readonly maxExamples = 5,
  ) {}

  check(column: string, typed: boolean, raw: unknown, file: string, line: number): void {
    const seconds = parseTimestamp(raw)
    if (seconds === null) return
    let state = this.columns.get(column)
    if (state === undefined) {
      if (this.columns.size >= MAX_COLUMNS) return
      state = {report: {column, typed, checked: 0, suspicions: []}, byKind: new Map()}
      this.columns.set(column, state)
    }
    state.report.checked++
    const kind = suspiciousTimestamp(raw, seconds, {nowMs: this.nowMs})
    if (kind === null || (!typed && kind !== 'milliseconds')) return
    let count = state.byKind.get(kind)
    if (count === undefined) {
      count = {kind, count: 0, examples: []}
      state.byKind.set(kind, count)
    }
    count.count++
    if (count.examples.length < this.maxExamples) count.examples.push({file, line, value: String(raw)})
  }

  /** Only the columns with something to say. */
  result(): TimestampColumnReport[] {
    const out: TimestampColumnReport[] = []
    for (const {report, byKind} of this.columns.values()) {
      if (byKind.size === 0) continue
      report.suspicions = KIND_ORDER.filter((k) => byKind.has(k)).map((k) => byKind.get(k)!)
      out.push(report)
    }
    return out
  }
}
