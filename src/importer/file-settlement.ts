import type {Batch, InputPosition} from '../batching/batch.js'
import type {RowFailure} from '../ledger/records.js'
import type {SourceRecord} from '../source/types.js'

/**
 * Tracks, for one input file, which rows are settled (acknowledged, failed or invalid) so the
 * ledger can hold the exact point where reading must resume: the start of the oldest batch that
 * has no final answer yet, or, when nothing is outstanding, just past the last row read.
 * Batches finish out of order under concurrency; the resume point only moves over a settled prefix.
 */
export class FileSettlement {
  private readonly outstanding: Array<{batch: Batch; settled: boolean}> = []
  private readonly known = new WeakSet<Batch>()
  private cursor: InputPosition
  private invalid: RowFailure[] = []

  constructor(start: InputPosition) {
    this.cursor = start
  }

  /** A row was read (whatever became of it). */
  read(record: SourceRecord): void {
    this.cursor = {line: record.nextLine ?? record.line + 1, offset: record.nextOffset}
  }

  /**
   * Reading is done up to `position` as far as resuming goes (the front thread reports it: the start of
   * the batch it is still filling, or else just past the last row it read). Batches before it are tracked.
   */
  readTo(position: InputPosition): void {
    this.cursor = position
  }

  /** A batch exists (possibly still filling): its rows are outstanding until it settles. */
  track(batch: Batch | null): void {
    if (!batch || this.known.has(batch)) return
    this.known.add(batch)
    this.outstanding.push({batch, settled: false})
  }

  /** Call only once the batch's answer is in the ledger: from then on the resume point may pass it. */
  settle(batch: Batch): void {
    const entry = this.outstanding.find((o) => o.batch === batch)
    if (entry) entry.settled = true
    while (this.outstanding.length > 0 && this.outstanding[0].settled) this.outstanding.shift()
  }

  addInvalid(failure: RowFailure): void {
    this.invalid.push(failure)
  }

  get bufferedInvalid(): number {
    return this.invalid.length
  }

  /**
   * Invalid rows not yet in the ledger; they go into the same commit as the position that passes them,
   * and stay here until that commit succeeded (dropInvalid), so a failed commit loses none of them.
   */
  pendingInvalid(): readonly RowFailure[] {
    return this.invalid
  }

  /** The first `count` pending invalid rows are now in the ledger. */
  dropInvalid(count: number): void {
    this.invalid = this.invalid.slice(count)
  }

  get outstandingBatches(): number {
    return this.outstanding.length
  }

  /** Just past the last row read (the reader's position in the rows, before any settling). */
  readPosition(): InputPosition {
    return this.cursor
  }

  /** The resume point, or what it becomes once `settling` (whose answer is being committed) is settled. */
  position(settling?: Batch): InputPosition {
    for (const o of this.outstanding) if (!o.settled && o.batch !== settling) return o.batch.start
    return this.cursor
  }
}
