/** The input formats we read. */
export type InputFormat = 'csv' | 'ndjson'

/**
 * One record as read from an input, before any mapping. Records come out in file order.
 */
export interface SourceRecord {
  /** 1-based line of the input on which the record starts (the CSV header is line 1). */
  line: number
  /**
   * The record's text exactly as read (CSV quoting kept), without its trailing line break. For an
   * `invalid_utf8` record, its bytes one character per byte (latin1): see retry-file.ts.
   */
  raw: string
  /**
   * CSV: header name -> cell text (strings, never cast). NDJSON: the parsed object.
   * null when the record could not be parsed; `error` then says why.
   */
  fields: Record<string, unknown> | null
  /** Why the record is unusable as read (ragged CSV row, broken JSON, not an object, invalid UTF-8...). */
  error?: {rule: string; message: string}
  /** Byte offset in the (decompressed) input where the record starts. */
  offset: number
  /** Byte offset just after the record and its line break: where reading resumes. */
  nextOffset: number
  /**
   * The line just after the record (line + the lines it spans): pass it as `startLine` together with
   * `nextOffset` to resume after this record. Always set by openSource; optional only so that
   * hand-built records in other areas' tests stay valid.
   */
  nextLine?: number
  /**
   * Set when the record was over the size guard: `raw` then holds only its first bytes (the rest was
   * skipped to keep memory bounded), so it cannot be written back verbatim.
   */
  truncated?: true
}

/** What identifies an input's content, to refuse resuming onto a changed file. */
export interface InputFingerprint {
  size: number
  mtimeMs: number
  /** sha256 (hex) of the first 64 KiB. */
  headHash: string
}
