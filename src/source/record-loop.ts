import type {ByteReader} from './byte-reader.js'
import {InputError} from './input-error.js'
import type {Frame, RecordFramer} from './record-framer.js'
import type {SourceRecord} from './types.js'

/** Turns a framed record into a SourceRecord, or null for a line that holds no record (blank). */
export type FrameConverter = (frame: Frame, line: number) => SourceRecord | null

/**
 * Pulls chunks only when the framer has no complete record left, so a consumer that stops pulling
 * stops the read (backpressure), and memory holds one chunk plus at most one record.
 */
export async function* readRecords(
  file: string,
  reader: ByteReader,
  framer: RecordFramer,
  firstLine: number,
  convert: FrameConverter,
  signal?: AbortSignal,
): AsyncGenerator<SourceRecord> {
  let line = firstLine
  try {
    for (;;) {
      let frame: Frame | null
      while ((frame = framer.next()) !== null) {
        if (signal?.aborted) return
        const startLine = line
        line += frame.lines
        const record = convert(frame, startLine)
        if (record !== null) yield record
      }
      const chunk = await reader.next()
      if (chunk === null) break
      framer.push(chunk)
    }
    if (signal?.aborted) return
    const {frame, end} = framer.finish()
    if (end.kind === 'unclosed_quote') {
      const opened = line + end.lineDelta
      throw new InputError(file, 'csv_unclosed_quote', `the quote opened on line ${opened} is never closed, so it swallows the rest of the file`, opened)
    }
    if (end.kind === 'short') {
      throw new InputError(file, 'resume_offset_beyond_end', 'the input ended before the resume offset: it is not the input that was read before')
    }
    if (frame !== null) {
      const record = convert(frame, line)
      if (record !== null) yield record
    }
  } finally {
    reader.close()
  }
}
