import {stat} from 'node:fs/promises'
import {ByteReader} from './byte-reader.js'
import {csvConverter, readCsvHeader} from './csv-records.js'
import {InputError, toInputError} from './input-error.js'
import {formatFromName, sniffFormat, utf16Kind} from './input-format.js'
import {ndjsonConverter} from './ndjson-records.js'
import {RecordFramer} from './record-framer.js'
import {utf16Message} from './utf8-check.js'
import {readRecords, type FrameConverter, type QuoteRecovery} from './record-loop.js'
import type {InputFormat, SourceRecord} from './types.js'

/** A record (CSV) or line (NDJSON) longer than this is reported as too large; memory stays bounded. */
export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024

export interface OpenOptions {
  /** Else from the extension: .csv .ndjson .jsonl (+ .gz); '-' (stdin) sniffs: '{' first => ndjson. */
  format?: InputFormat
  /** Resume: byte offset (a record's nextOffset) to start at. Plain files seek; other inputs skip bytes unparsed. */
  startOffset?: number
  /** The line number of the record at startOffset (a record's nextLine); required with startOffset. */
  startLine?: number
  /** Stops reading (Ctrl-C): the iterator ends cleanly, no error. */
  signal?: AbortSignal
  /** Size guard per record/line, default DEFAULT_MAX_RECORD_BYTES. */
  maxRecordBytes?: number
  /** Bytes per read from a plain file (default 256 KiB); for tests that put chunk boundaries anywhere. */
  readChunkBytes?: number
}

export interface InputSource {
  /** As given ('-' for stdin). */
  path: string
  format: InputFormat
  /** A plain regular file (not gzip, not stdin): startOffset seeks instead of skipping. */
  seekable: boolean
  compressed: boolean
  /** CSV: the header line as read (BOM stripped); null for NDJSON. */
  header: string | null
  /** CSV column names; null for NDJSON. */
  columns: string[] | null
  /** Size on disk (compressed size for .gz), null for stdin. */
  totalBytes: number | null
  /** Position reached in the file on disk (compressed bytes for .gz), same units as totalBytes. */
  bytesRead(): number
  /** The records in file order, once; constant memory; reading waits for the consumer. */
  records(): AsyncIterable<SourceRecord>
  /** Releases the file when records() will not be iterated to its end (iteration closes it itself). */
  close(): void
}

/**
 * Opens an input for reading. File-level problems (missing, unreadable, empty, unknown format, bad
 * CSV header) throw InputError here; a gzip error or a resume offset past the end throws from
 * the iterator. Problems with one record (an unclosed quote too) come out as that record's `error`. A signal aborted before
 * the header was read rejects with the signal's reason (an AbortError); once open, an abort just
 * ends the iteration.
 */
export async function openSource(path: string, options: OpenOptions = {}): Promise<InputSource> {
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES
  const resumeAt = options.startOffset ?? 0
  if (resumeAt > 0 && options.startLine === undefined) throw new RangeError('openSource: startOffset needs startLine')
  const isStdin = path === '-'
  let totalBytes: number | null = null
  let regularFile = false
  if (!isStdin) {
    const info = await stat(path).catch((error: unknown) => {
      throw toInputError(error, path)
    })
    if (info.isDirectory()) throw new InputError(path, 'file_unreadable', 'is a directory, not a file')
    totalBytes = info.size
    regularFile = info.isFile()
  }
  let format = options.format ?? (isStdin ? null : formatFromName(path))
  if (format === null && !isStdin) {
    throw new InputError(
      path,
      'unknown_format',
      'cannot tell the format from the file name (expected .csv, .ndjson or .jsonl, optionally .gz); pass --format csv or --format ndjson',
    )
  }

  let reader = await ByteReader.open(path, {signal: options.signal, readChunkBytes: options.readChunkBytes})
  try {
    const seekable = regularFile && !reader.compressed
    if (seekable && totalBytes !== null && resumeAt > totalBytes) {
      throw new InputError(path, 'resume_offset_beyond_end', `the resume offset ${resumeAt} is past the end of the file (${totalBytes} bytes): it is not the input that was read before`)
    }
    const bomBytes = await reader.skipBom()
    // Peek no further than needed: stdin may be a live producer, and waiting for more would stall.
    let head = await reader.peek(1)
    if (head.length === 0) throw new InputError(path, 'empty_file', 'file is empty')
    const utf16 = bomBytes === 0 ? utf16Kind(head) : null
    if (utf16 !== null) throw new InputError(path, 'invalid_utf8', utf16Message(utf16), 1)
    while (format === null) {
      format = sniffFormat(head)
      if (format === null) {
        const more = await reader.peek(head.length + 1)
        if (more.length === head.length) format = 'csv'
        head = more
      }
    }

    const quoteAware = format === 'csv'
    let framer = new RecordFramer(quoteAware, maxRecordBytes, bomBytes)
    let header: string | null = null
    let columns: string[] | null = null
    let dataStart = bomBytes
    let firstLine = 1
    if (format === 'csv') {
      const csvHeader = await readCsvHeader(path, reader, framer)
      header = csvHeader.header
      columns = csvHeader.columns
      dataStart = csvHeader.nextOffset
      firstLine = csvHeader.nextLine
    }
    if (resumeAt > dataStart) {
      firstLine = options.startLine as number
      if (seekable) {
        reader.close()
        reader = await ByteReader.open(path, {start: resumeAt, signal: options.signal, readChunkBytes: options.readChunkBytes})
        framer = new RecordFramer(quoteAware, maxRecordBytes, resumeAt)
      } else framer.skipTo(resumeAt)
    }
    options.signal?.throwIfAborted()
    const convert: FrameConverter = columns ? csvConverter(columns, maxRecordBytes) : ndjsonConverter(maxRecordBytes)
    let opened = reader
    // An unclosed quote in a CSV file: read the broken record again and go on after it (stdin or a FIFO cannot be read twice).
    const recovery: QuoteRecovery | undefined =
      quoteAware && regularFile
        ? {
            async reopen(offset) {
              const again = await ByteReader.open(path, {start: seekable ? offset : 0, signal: options.signal, readChunkBytes: options.readChunkBytes})
              if (!seekable) await again.skip(offset)
              opened = again
              return again
            },
            framer: (offset) => new RecordFramer(true, maxRecordBytes, offset),
            maxRecordBytes,
          }
        : undefined
    let used = false
    return {
      path,
      format,
      seekable,
      compressed: opened.compressed,
      header,
      columns,
      totalBytes,
      bytesRead: () => opened.bytesRead(),
      records(): AsyncIterable<SourceRecord> {
        if (used) throw new Error('InputSource.records() can be iterated only once; open the source again')
        used = true
        return readRecords(path, opened, framer, firstLine, convert, options.signal, recovery)
      },
      close: () => opened.close(),
    }
  } catch (error) {
    reader.close()
    // An abort while the header was being read looks like an early end of input: say what it was.
    options.signal?.throwIfAborted()
    throw error
  }
}
