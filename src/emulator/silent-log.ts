import type {SilentKind} from './operations.js'
import type {SilentRecord} from './track-api.js'

export type SilentCounts = Record<SilentKind, number>

/** Records kept for inspection; counts stay exact past it (a rehearsal of millions of rows must not grow without bound). */
const MAX_RECORDS = 100_000

/** What the emulator answered 200 to but production would merge, not apply, drop or ignore. */
export class SilentLog {
  private records: Array<SilentRecord & {at: string}> = []
  private tally: SilentCounts = emptyCounts()

  add(records: SilentRecord[] | undefined): void {
    if (!records) return
    const at = new Date().toISOString()
    for (const record of records) {
      this.tally[record.silent]++
      if (this.records.length < MAX_RECORDS) this.records.push({...record, at})
    }
  }

  list(kind?: SilentKind): Array<SilentRecord & {at: string}> {
    return kind === undefined ? [...this.records] : this.records.filter((r) => r.silent === kind)
  }

  counts(): SilentCounts {
    return {...this.tally}
  }

  reset(): void {
    this.records = []
    this.tally = emptyCounts()
  }
}

export function emptyCounts(): SilentCounts {
  return {merged: 0, not_applied: 0, dropped: 0, ignored: 0}
}

export const SILENT_KINDS: readonly SilentKind[] = ['merged', 'not_applied', 'dropped', 'ignored']
