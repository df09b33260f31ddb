import {TrackLimits} from '../cio/limits.js'
import type {Sendable} from '../sending/dispatcher.js'
import type {Operation} from '../mapping/types.js'
import {BatchBody} from './batch-body.js'
import {DEFAULT_MAX_BODY_BYTES} from './batch-packer.js'

/** A v2 batch of operations that did not come from a file: each entry carries its source's ref (a job, an offset). */
export interface RefBatch<R> extends Sendable {
  refs: R[]
}

/**
 * Packs operations from a queue or a stream into v2 batches under the body limit, the same limit and
 * envelope arithmetic as the file importer's BatchPacker; refs say what to acknowledge per entry.
 */
export class RefPacker<R> {
  private open: RefBatch<R> | null = null
  private readonly maxBody: number

  constructor(maxBodyBytes = DEFAULT_MAX_BODY_BYTES) {
    this.maxBody = Math.min(maxBodyBytes, TrackLimits.batchRequestBytes - 1)
  }

  get pending(): RefBatch<R> | null {
    return this.open
  }

  /** True when `op` would not fit in the open batch (the caller sends it first). */
  wouldOverflow(op: Pick<Operation, 'bytes'>): boolean {
    return this.open !== null && this.open.body.byteLength + 1 + op.bytes > this.maxBody
  }

  /** Add one operation; returns the batch it closed, if it did not fit there. */
  add(op: Pick<Operation, 'json' | 'bytes' | 'personKey'> & {ordered?: boolean}, ref: R): RefBatch<R> | null {
    const ready = this.wouldOverflow(op) ? this.flush() : null
    if (this.open) {
      this.open.body.add(op.json, op.bytes)
      this.open.refs.push(ref)
      if (op.ordered !== false) this.open.personKeys.add(op.personKey)
    } else {
      const body = new BatchBody()
      body.add(op.json, op.bytes)
      this.open = {body, refs: [ref], personKeys: op.ordered === false ? new Set() : new Set([op.personKey])}
    }

    return ready
  }

  flush(): RefBatch<R> | null {
    const batch = this.open
    this.open = null
    batch?.body.close()
    return batch
  }
}
