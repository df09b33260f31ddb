import type {ValueType} from '../mapping/index.js'
import type {TimestampSuspicion} from '../mapping/index.js'
import type {InputFormat} from '../source/index.js'
import type {DuplicateCounts} from './duplicate-counter.js'
import type {Plan} from './plan.js'

/** A row shown as an example: which input, which line, what is wrong. */
export interface LineExample {
  file: string
  line: number
  message: string
}

export interface RuleCount {
  rule: string
  count: number
  /** The first rows that broke the rule, in input order. */
  examples: LineExample[]
}

export interface FileReport {
  /** As given on the command line ('-' is stdin). */
  path: string
  format: InputFormat | null
  rows: {read: number; valid: number; invalid: number}
  /** Where this file's invalid rows went, or null when it had none. */
  rejectsFile: string | null
  /** A problem that stopped reading this file (exit 2): missing, empty, bad header, unclosed quote... */
  error: {rule: string; message: string} | null
}

export interface SuspicionCount {
  kind: TimestampSuspicion
  count: number
  examples: Array<{file: string; line: number; value: string}>
}

export interface TimestampColumnReport {
  column: string
  /** True when the mapping reads the column as a timestamp (created_at, timestamp, or typed so). */
  typed: boolean
  /** Values checked (non-empty, readable as a date). */
  checked: number
  suspicions: SuspicionCount[]
}

export interface AttributeReport {
  /** The attribute (people) or event data key, as it would be sent. */
  name: string
  /** Valid rows that carry a non-empty value. */
  rows: number
  /** The type every value has, or `mixed`. */
  type: ValueType | 'mixed'
  /** Values per inferred type, largest first (one entry unless mixed). */
  types: Array<{type: ValueType; rows: number}>
}

export interface DuplicateReport extends DuplicateCounts {
  /** people: rows sharing an identifier (the later row wins); events: rows sharing an event id (Customer.io keeps the first). */
  key: 'identifier' | 'event_id'
  /** 64-bit hashes: counts are exact unless two different keys collide (about n²/2^65). */
  hashBits: 64
}

export interface ValidationReport {
  type: 'people' | 'events'
  api: 'v1' | 'v2'
  mapping: string | null
  files: FileReport[]
  rows: {read: number; valid: number; invalid: number}
  invalidByRule: RuleCount[]
  /** Header warnings from the mapping's column check (column_ignored, mapping_column_missing...). */
  warnings: Array<{file: string; rule: string; message: string}>
  /** Rows that are sent but deserve a look, by rule (ndjson_duplicate_key: a key twice in one object; the last value is used). */
  rowWarnings: RuleCount[]
  duplicates: DuplicateReport
  /**
   * People: rows that set an email (compared case-insensitively) which an earlier row of another person
   * (id or cio_id) set. Customer.io merges them or silently does not apply the email; it never says so.
   * `keys` counts such emails; each example starts with the first row that set the email.
   */
  emailConflicts: DuplicateCounts & {hashBits: 64}
  timestamps: TimestampColumnReport[]
  attributes: AttributeReport[]
  /** Distinct attribute names beyond the ones listed (the profile keeps at most 1000 names). */
  attributesNotListed: number
  plan: Plan
  /** True when Ctrl-C stopped the validation early: the counts cover the rows read so far. */
  interrupted: boolean
  durationMs: number
  /** 0 every row valid, 1 some rows invalid, 2 an input could not be read, 4 interrupted. */
  exitCode: number
}
