import type {ApplyResult, Operation} from '../operations.js'
import {UlidSet} from '../ulid-set.js'
import type {EventView, ObjectView, PersonView, Workspace, WorkspaceCounts} from '../workspace.js'

/**
 * `store: 'count'` for benchmarks of millions of rows: O(1) work per entry and no stored data,
 * except the event-id set that keeps dedupe exact. `peopleCount` here counts applied identify
 * operations (people are not kept, so distinct people cannot be told apart).
 */
export class CountWorkspace implements Workspace {
  private identifies = 0
  private eventCount = 0
  private duplicates = 0
  private seen = new UlidSet(1 << 16)

  transaction<T>(fn: () => T): T {
    return fn()
  }

  apply(op: Operation): ApplyResult {
    if (op.op === 'identify') {
      this.identifies++
    } else if (op.op === 'event') {
      if (op.id !== undefined && !this.seen.add(op.id)) this.duplicates++
      else this.eventCount++
    }

    return undefined
  }

  people(): PersonView[] {
    return []
  }

  person(): PersonView | undefined {
    return undefined
  }

  personBy(): PersonView | undefined {
    return undefined
  }

  events(): EventView[] {
    return []
  }

  objects(): ObjectView[] {
    return []
  }

  counts(): WorkspaceCounts {
    return {people: this.identifies, events: this.eventCount, duplicateEventIds: this.duplicates}
  }

  reset(): void {
    this.identifies = 0
    this.eventCount = 0
    this.duplicates = 0
    this.seen = new UlidSet(1 << 16)
  }

  close(): void {}
}
