import {TrackLimits} from '../cio/limits.js'
import type {Operation} from '../mapping/types.js'
import type {Batch, InputPosition} from './batch.js'
import {BatchBody, type BodyPool} from './batch-body.js'

/** Keep every body strictly under Customer.io's 500 KB, whichever way a server counts a KB. */
export const DEFAULT_MAX_BODY_BYTES = 500_000 - 1

export interface PackerOptions {
  api: 'v1' | 'v2'
  fileIndex: number
  maxBodyBytes?: number
  /** Where v2 bodies' memory comes from when there is some to reuse. */
  pool?: BodyPool
}

/**
 * Packs operations, in file order, into requests: v2 batches as large as the body limit allows,
 * or one operation per request for v1.
 */
export class BatchPacker {
  private open: Batch | null = null
  private readonly maxBody: number

  constructor(private readonly options: PackerOptions) {
    this.maxBody = Math.min(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, TrackLimits.batchRequestBytes - 1)
  }

  /** The batch being filled, if any: its rows are read but not yet sent. */
  get pending(): Batch | null {
    return this.open
  }

  /** Add one operation; returns a batch that is full and ready to send, if adding closed one. */
  add(op: Operation, raw: string, position: InputPosition): Batch | null {
    if (this.options.api === 'v1') return this.newBatch(op, raw, position)

    let ready: Batch | null = null
    if (this.open && this.open.body.byteLength + 1 + op.bytes > this.maxBody) {
      ready = this.open
      ready.body.close()
      this.open = null
    }

    if (this.open) {
      this.open.body.add(op.json, op.bytes)
      this.open.lines.push(op.line)
      this.open.raws.push(raw)
      if (op.ordered) this.open.personKeys.add(op.personKey)
    } else {
      this.open = this.newBatch(op, raw, position)
    }

    return ready
  }

  /** Close the open batch (end of input, or it has waited long enough). */
  flush(): Batch | null {
    const batch = this.open
    this.open = null
    batch?.body.close()
    return batch
  }

  private newBatch(op: Operation, raw: string, start: InputPosition): Batch {
    // v2: room for a full body at once (its own off-heap bytes, so no growing); v1: one entry.
    const v1 = this.options.api === 'v1'
    const body = v1 ? new BatchBody(op.bytes + 12) : new BatchBody(this.maxBody + 1, this.options.pool?.take())
    body.add(op.json, op.bytes)
    if (v1) body.close()
    return {
      fileIndex: this.options.fileIndex,
      body,
      lines: [op.line],
      raws: [raw],
      start,
      personKeys: op.ordered ? new Set([op.personKey]) : new Set(),
    }
  }
}
