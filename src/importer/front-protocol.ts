import type {InputPosition} from '../batching/batch.js'
import type {AckRange, RowFailure} from '../ledger/records.js'
import type {CreateMapperOptions} from '../mapping/index.js'
import type {InputFormat} from '../source/index.js'
import type {ShardSpec} from './shard.js'

/**
 * The import runs in two threads: the front (read, map, check, pack, write the body bytes) in a worker,
 * the back (pace, send, ledger, progress) on the main thread. The front only produces; every durable
 * decision (settlement, the ledger) stays on the main thread. These are the messages between them.
 */

/** What the front needs to read one file from its resume point. */
export interface FrontJob {
  path: string
  format: InputFormat
  fileIndex: number
  /** Where reading resumes (0 / the first line: from the start). */
  startOffset: number
  startLine: number
  mapper: Omit<CreateMapperOptions, 'columns'>
  maxBodyBytes?: number
  shard: ShardSpec | null
  /** Rows past the resume point that already have a final answer (see SettledLines). */
  acks: AckRange[]
  failedLines: number[]
  /** Batches the front may run ahead of the back's dispatching: bounds memory. */
  credits: number
}

/** What every front message says besides its own news: progress since the last message, in file order. */
export interface FrontProgress {
  /** Invalid rows read since the last message, in line order. */
  invalid: RowFailure[]
  /** Rows of other shards skipped since the last message. */
  otherShards: number
  /**
   * How far reading may be remembered as done once this message is handled: the start of the batch still
   * filling, or else just past the last row read.
   */
  position: InputPosition
  /** Bytes of the file on disk read so far (compressed bytes for .gz). */
  bytesRead: number
}

/** A closed batch: its body's bytes travel as a transferred ArrayBuffer. */
export interface FrontBatch {
  bytes: Uint8Array
  offsets: Uint32Array
  lines: number[]
  raws: string[]
  start: InputPosition
  personKeys: string[]
}

export type FrontMessage =
  | {kind: 'opened'; header: string | null; compressed: boolean}
  | ({kind: 'progress'} & FrontProgress)
  | ({kind: 'batch'; batch: FrontBatch} & FrontProgress)
  /** Every row of the file was read and every batch was handed over. */
  | ({kind: 'end'} & FrontProgress)
  /** Reading stopped: the error's name (InputError, MappingError...) and its message, as thrown. */
  | {kind: 'error'; name: string; message: string}

/**
 * The back's messages: it dispatched one batch, so the front may hand over another; or a batch was
 * delivered and its body's memory (transferred back) can hold another body.
 */
export type BackMessage = {kind: 'credit'} | {kind: 'recycle'; buffer: ArrayBuffer}
