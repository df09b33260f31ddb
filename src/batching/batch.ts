import type {BatchBody} from './batch-body.js'

/** Where a record sits in its input: enough to resume reading right there. */
export interface InputPosition {
  line: number
  offset: number
}

/**
 * Operations bound for one request, all from one input file, in file order. Between its first and
 * last line every row is either in the batch or already settled as invalid, so an acknowledged
 * batch can be remembered as a line range.
 */
export interface Batch {
  fileIndex: number
  /** The request body, written entry by entry as UTF-8 bytes from each row's serialised entry. */
  body: BatchBody
  /** The line each entry came from. */
  lines: number[]
  /** The rows as read, kept until the outcome is known so failures can go to the retry file as they were. */
  raws: string[]
  start: InputPosition
  /** People with rows here that must land in file order (Operation.ordered): the dispatcher's waits. */
  personKeys: Set<string>
}

export function firstLine(batch: Batch): number {
  return batch.lines[0]
}

export function lastLine(batch: Batch): number {
  return batch.lines[batch.lines.length - 1]
}
