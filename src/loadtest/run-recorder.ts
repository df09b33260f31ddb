import type {Outcome} from './metrics.js'
import type {Operation} from './operations.js'
import {type RunRecord, writeRunRecord} from './run-record.js'
import {SequenceRanges} from './sequence-ranges.js'

/** How an operation that completed bears on cleanup: only a definite 4xx means no person was touched. */
function mayHaveCreated(outcome: Outcome): boolean {
  return !(outcome.kind === 'http_error' && outcome.status !== undefined && outcome.status >= 400 && outcome.status < 500)
}

/**
 * Keeps a run's record current: which sequence numbers may have created a person, and how far the
 * run got. Saves are serialised so two never race on the same temporary file.
 */
export class RunRecorder {
  private readonly created = new SequenceRanges()
  private readonly pending = new Set<Operation>()
  private saving: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly stateDir: string,
    private readonly record: RunRecord,
    private readonly lastSeq: () => number,
  ) {}

  get peopleRecorded(): number {
    return this.created.count
  }

  sent(operation: Operation): void {
    this.pending.add(operation)
  }

  settled(operation: Operation, outcome: Outcome): void {
    this.pending.delete(operation)
    if (mayHaveCreated(outcome)) this.add(operation)
  }

  /** Write now; returns the record's path. Throws RunRecordError when the file cannot be written. */
  async save(): Promise<string> {
    this.record.lastSeq = this.lastSeq()
    this.record.createdRanges = this.created.toJSON()
    this.record.createdCount = this.created.count
    return writeRunRecord(this.stateDir, this.record)
  }

  /** A save during the run: a failed write is retried by the next one rather than stopping the load. */
  saveInBackground(): void {
    this.saving = this.saving.then(() => this.save()).catch(() => {})
  }

  /** Operations still in flight when the run ended may yet be applied by the server: keep them for cleanup. */
  async finish(): Promise<string> {
    for (const operation of this.pending) this.add(operation)
    this.pending.clear()
    await this.saving
    this.record.status = 'finished'
    this.record.finishedAt = new Date().toISOString()
    return this.save()
  }

  private add(operation: Operation): void {
    for (let i = 0; i < operation.kinds.length; i++) this.created.add(operation.firstSeq + i)
  }
}
