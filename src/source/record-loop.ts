import type {ByteReader} from './byte-reader.js'
import {InputError} from './input-error.js'
import type {Frame, FrameEnd, RecordFramer} from './record-framer.js'
import type {SourceRecord} from './types.js'

/** Turns a framed record into a SourceRecord, or null for a line that holds no record (blank). */
export type FrameConverter = (frame: Frame, line: number) => SourceRecord | null

/**
 * How reading goes on after a quote that never closes: the input is read again from the broken
 * record, which ends with the line where that quote opened, and framing starts afresh after it.
 * Absent (stdin read directly) the rest of the input is the broken record.
 */
export interface QuoteRecovery {
  /** A reader whose first byte is the input's byte at `offset` (offsets count decompressed bytes). */
  reopen(offset: number): Promise<ByteReader>
  /** A fresh framer for records starting at `offset`. */
  framer(offset: number): RecordFramer
  maxRecordBytes: number
}

type UnclosedQuote = Extract<FrameEnd, {kind: 'unclosed_quote'}>

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
  recovery?: QuoteRecovery,
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
      if (chunk !== null) {
        framer.push(chunk)
        continue
      }
      if (signal?.aborted) return
      const finished = framer.finish()
      const end = finished.end
      if (end.kind === 'short') {
        throw new InputError(file, 'resume_offset_beyond_end', 'the input ended before the resume offset: it is not the input that was read before')
      }
      if (end.kind === 'done') {
        if (finished.frame !== null) {
          const record = convert(finished.frame, line)
          if (record !== null) yield record
        }
        return
      }
      const opened = line + end.lineDelta
      if (recovery === undefined) {
        yield unclosedRecord(finished.frame!, line, opened, line + finished.frame!.lines)
        return
      }
      // Read the broken record again, up to the end of the quote's line, then frame what follows anew.
      reader.close()
      reader = await recovery.reopen(end.recordOffset)
      const broken = await cutThroughQuoteLine(reader, end, recovery.maxRecordBytes)
      // Stopped while reading it again: the broken row's end is unknown, so it is not reported as read.
      if (signal?.aborted) return
      yield unclosedRecord(broken, line, opened, opened + 1)
      line = opened + 1
      framer = recovery.framer(broken.nextOffset)
      if (broken.rest.length > 0) framer.push(broken.rest)
    }
  } finally {
    reader.close()
  }
}

function unclosedRecord(frame: Frame, line: number, opened: number, nextLine: number): SourceRecord {
  const record: SourceRecord = {
    line,
    raw: frame.buf.toString('utf8', frame.start, frame.end),
    fields: null,
    error: {rule: 'csv_unclosed_quote', message: `the quote opened on line ${opened} is never closed; reading goes on with the next line`},
    offset: frame.offset,
    nextOffset: frame.nextOffset,
    nextLine,
  }
  if (frame.truncated) record.truncated = true
  return record
}

/**
 * The bytes from the broken record's start to the end of the line where its unclosed quote opened
 * (at most maxBytes of them kept), and the bytes of the chunk after that line.
 */
async function cutThroughQuoteLine(reader: ByteReader, end: UnclosedQuote, maxBytes: number): Promise<Frame & {rest: Buffer}> {
  const kept: Buffer[] = []
  let keptBytes = 0
  let at = end.recordOffset
  let rest: Buffer = Buffer.alloc(0)
  let bodyEnd = -1
  for (;;) {
    const chunk = await reader.next()
    if (chunk === null) break
    const from = Math.max(0, end.quoteOffset - at)
    const lf = from < chunk.length ? chunk.indexOf(0x0a, from) : -1
    const body = lf === -1 ? chunk : chunk.subarray(0, lf)
    if (keptBytes < maxBytes) {
      const part = body.subarray(0, maxBytes - keptBytes)
      kept.push(Buffer.from(part))
      keptBytes += part.length
    }
    if (lf !== -1) {
      bodyEnd = at + lf
      rest = chunk.subarray(lf + 1)
      break
    }
    at += chunk.length
  }
  const nextOffset = bodyEnd === -1 ? at : bodyEnd + 1
  let size = (bodyEnd === -1 ? at : bodyEnd) - end.recordOffset
  let buf = Buffer.concat(kept)
  // A CRLF line end: the CR is not part of the record.
  if (bodyEnd !== -1 && size === buf.length && buf[buf.length - 1] === 0x0d) {
    buf = buf.subarray(0, -1)
    size -= 1
  }
  return {
    buf, start: 0, end: buf.length, offset: end.recordOffset, nextOffset, size,
    lines: end.lineDelta + 1, hasQuote: true, truncated: buf.length < size, rest,
  }
}
