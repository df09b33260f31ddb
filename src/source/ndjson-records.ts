import {MAX_JSON_DEPTH, jsonDepthOver, mayLoseDigits, parseExact} from './json-text.js'
import type {FrameConverter} from './record-loop.js'
import type {SourceRecord} from './types.js'
import {INVALID_UTF8_MESSAGE, hasInvalidUtf8, rawBytesText} from './utf8-check.js'

function isBlank(text: string): boolean {
  const first = text.charCodeAt(0)
  // Almost every line starts with '{': only look further when it starts with whitespace.
  return (first === 0x20 || first === 0x09 || first === 0x0d) && text.trim() === ''
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return `a ${typeof value}`
}

export function ndjsonConverter(maxRecordBytes: number): FrameConverter {
  return (frame, line) => {
    if (frame.size === 0) return null
    const raw = frame.buf.toString('utf8', frame.start, frame.end)
    const record: SourceRecord = {line, raw, fields: null, offset: frame.offset, nextOffset: frame.nextOffset, nextLine: line + 1}
    if (frame.truncated) {
      record.truncated = true
      record.error = {
        rule: 'ndjson_line_too_large',
        message: `line is ${frame.size} bytes, over the ${maxRecordBytes}-byte limit (only its start is kept)`,
      }
      return record
    }
    if (isBlank(raw)) return null
    if (hasInvalidUtf8(frame, raw)) {
      record.error = {rule: 'invalid_utf8', message: `line is ${INVALID_UTF8_MESSAGE}`}
      record.raw = rawBytesText(frame)
      return record
    }
    const depth = jsonDepthOver(raw)
    if (depth > 0) {
      record.error = {rule: 'json_too_deep', message: `the JSON nests ${depth} levels deep, over the limit of ${MAX_JSON_DEPTH}`}
      return record
    }
    let value: unknown
    try {
      value = JSON.parse(raw)
    } catch (error) {
      record.error = {rule: 'ndjson_invalid_json', message: `invalid JSON: ${(error as Error).message}`}
      return record
    }
    // JSON.parse rounds numbers beyond 2^53; the rare line with a long digit run is parsed again, exactly.
    if (mayLoseDigits(raw)) value = parseExact(raw)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      record.error = {rule: 'ndjson_not_object', message: `expected a JSON object, found ${describe(value)}`}
      return record
    }
    record.fields = value as Record<string, unknown>
    return record
  }
}
