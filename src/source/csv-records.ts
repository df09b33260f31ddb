import type {ByteReader} from './byte-reader.js'
import {splitQuotedRecord} from './csv-fields.js'
import {InputError} from './input-error.js'
import type {FrameConverter} from './record-loop.js'
import type {RecordFramer} from './record-framer.js'
import type {SourceRecord} from './types.js'
import {INVALID_UTF8_MESSAGE, hasInvalidUtf8, rawBytesText} from './utf8-check.js'

export interface CsvHeader {
  /** The header line as read (BOM stripped). */
  header: string
  columns: string[]
  /** Line and byte offset where the first record may start. */
  nextLine: number
  nextOffset: number
}

/** Reads the first non-blank record as the header; every problem with it is file-level. */
export async function readCsvHeader(file: string, reader: ByteReader, framer: RecordFramer): Promise<CsvHeader> {
  let line = 1
  for (;;) {
    let frame = framer.next()
    while (frame === null) {
      const chunk = await reader.next()
      if (chunk === null) {
        const {frame: tail, end} = framer.finish()
        if (end.kind === 'unclosed_quote') {
          throw new InputError(file, 'csv_unclosed_quote', `the quote opened on line ${line + end.lineDelta} in the header is never closed`, line + end.lineDelta)
        }
        if (tail === null) throw new InputError(file, 'empty_file', 'file is empty')
        frame = tail
        break
      }
      framer.push(chunk)
      frame = framer.next()
    }
    if (frame.size === 0) {
      line += frame.lines
      continue
    }
    const header = frame.buf.toString('utf8', frame.start, frame.end)
    if (frame.truncated) throw new InputError(file, 'csv_record_too_large', `the header row is over ${frame.end - frame.start} bytes`, line)
    if (hasInvalidUtf8(frame, header)) throw new InputError(file, 'invalid_utf8', `the header row is ${INVALID_UTF8_MESSAGE}`, line)
    const split = frame.hasQuote ? splitQuotedRecord(header) : {values: header.split(',')}
    if ('error' in split) throw new InputError(file, 'csv_quote', `header row: ${split.error}`, line)
    checkColumnNames(file, split.values, line)
    return {header, columns: split.values, nextLine: line + frame.lines, nextOffset: frame.nextOffset}
  }
}

function checkColumnNames(file: string, columns: string[], line: number): void {
  const seen = new Map<string, number>()
  columns.forEach((name, index) => {
    if (name === '') throw new InputError(file, 'csv_empty_header', `column ${index + 1} of the header has no name`, line)
    const first = seen.get(name)
    if (first !== undefined) {
      throw new InputError(file, 'csv_duplicate_header', `duplicate column name '${name}' (columns ${first + 1} and ${index + 1})`, line)
    }
    seen.set(name, index)
  })
}

/** Builds cell objects; cells stay strings exactly as written ("00123" stays "00123"). */
function fieldBuilder(columns: string[]): (values: string[]) => Record<string, string> {
  const width = columns.length
  // A column called __proto__ would set the prototype instead of a property with plain assignment.
  if (columns.includes('__proto__')) {
    return (values) => {
      const fields: Record<string, string> = {}
      for (let i = 0; i < width; i++) {
        Object.defineProperty(fields, columns[i], {value: values[i], enumerable: true, writable: true, configurable: true})
      }
      return fields
    }
  }
  return (values) => {
    const fields: Record<string, string> = {}
    for (let i = 0; i < width; i++) fields[columns[i]] = values[i]
    return fields
  }
}

export function csvConverter(columns: string[], maxRecordBytes: number): FrameConverter {
  const width = columns.length
  const build = fieldBuilder(columns)
  return (frame, line) => {
    if (frame.size === 0) return null
    const raw = frame.buf.toString('utf8', frame.start, frame.end)
    const record: SourceRecord = {line, raw, fields: null, offset: frame.offset, nextOffset: frame.nextOffset, nextLine: line + frame.lines}
    if (frame.truncated) {
      record.truncated = true
      record.error = {
        rule: 'csv_record_too_large',
        message: `record is ${frame.size} bytes, over the ${maxRecordBytes}-byte limit (only its start is kept)`,
      }
      return record
    }
    if (hasInvalidUtf8(frame, raw)) {
      record.error = {rule: 'invalid_utf8', message: `record is ${INVALID_UTF8_MESSAGE}`}
      record.raw = rawBytesText(frame)
      return record
    }
    let values: string[]
    if (frame.hasQuote) {
      const split = splitQuotedRecord(raw)
      if ('error' in split) {
        record.error = {rule: 'csv_quote', message: split.error}
        return record
      }
      values = split.values
    } else values = raw.split(',')
    if (values.length !== width) {
      record.error = {rule: 'csv_column_count', message: `expected ${width} columns, found ${values.length}`}
      return record
    }
    record.fields = build(values)
    return record
  }
}
