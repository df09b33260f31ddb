import {BatchPacker} from '../batching/batch-packer.js'
import {checkColumns, ColumnPlanner, ColumnsError, createMapper, type MappingFile, type Operation, type RecordType, Role} from '../mapping/index.js'
import {RetryFileWriter} from '../reporting/retry-file.js'
import {duplicateKeys, fingerprintInput, openSource, type InputFormat, type InputSource, type SourceRecord} from '../source/index.js'
import {AttributeProfile} from './attribute-profile.js'
import {DuplicateCounter, type DuplicateCounterOptions} from './duplicate-counter.js'
import {buildPlan} from './plan.js'
import {checkRejectsWritable, rejectsPathFor} from './rejects-path.js'
import type {FileReport, ValidationReport} from './report.js'
import {RuleTally} from './rule-tally.js'
import {TimestampChecks} from './timestamp-checks.js'
import {valueTypeOf} from './value-type.js'

export interface ValidateOptions {
  /** As given ('-' is stdin), read in order. */
  inputs: string[]
  type: RecordType
  format?: InputFormat
  mapping?: MappingFile
  /** For the report only. */
  mappingPath?: string | null
  api?: 'v1' | 'v2'
  rate?: number
  concurrency?: number
  /** --rejects-file; the second and later inputs get -2, -3... before the extension (as import's --retry-file). */
  rejectsFile?: string
  /** Same packing limit as import's hidden --max-body-bytes, so request counts match. */
  maxBodyBytes?: number
  /** Ctrl-C: stop reading and report what was read. */
  signal?: AbortSignal
  /** Reference time for "far future" (tests pin it). */
  nowMs?: number
  /** Examples kept per rule, per timestamp problem and per duplicate report. */
  examples?: number
  duplicates?: DuplicateCounterOptions
  onProgress?: (progress: {file: string; rows: number; bytesRead: number; totalBytes: number | null}) => void
}

/** Rows between progress callbacks and abort checks. */
const PROGRESS_EVERY = 1024

/**
 * Reads every input offline, in constant memory, through the same reader, mapping and rules as
 * import: counts valid and invalid rows (by rule, with examples), writes the invalid rows to a
 * rejects file in the retry-file format, counts rows that repeat an identifier (people) or an event
 * id (events), flags timestamps in a suspicious unit or range, profiles the attributes, and plans
 * the requests the import would make. File-level problems are reported per file, never thrown.
 */
export async function validateInputs(options: ValidateOptions): Promise<ValidationReport> {
  const startedAt = performance.now()
  const api = options.api ?? 'v2'
  const rate = options.rate ?? 80
  const concurrency = options.concurrency ?? 10
  const examples = options.examples ?? 5
  const nowMs = options.nowMs ?? Date.now()
  const tally = new RuleTally(examples)
  const timestamps = new TimestampChecks(nowMs, examples)
  const profile = new AttributeProfile()
  const duplicates = new DuplicateCounter({examples, ...options.duplicates})
  const emails = new DuplicateCounter({examples, ...options.duplicates, owners: true})
  const planner = new ColumnPlanner(options.type, options.mapping)
  const files: FileReport[] = []
  const warnings: ValidationReport['warnings'] = []
  const rowWarnings = new RuleTally()
  let requests = 0
  let entryBytes = 0

  /** Names of attributes the mapping reads as timestamps: their sent values are seconds already. */
  const timestampTargets = new Set<string>()
  const isTypedTimestamp = (column: string): boolean => {
    const plan = planner.plan(column)
    const typed = plan.role === Role.timestamp || (plan.role === Role.attribute && plan.cast === 'timestamp')
    if (typed && plan.role === Role.attribute) timestampTargets.add(plan.target)
    return typed
  }

  await checkRejectsWritable(options)
  try {
    for (const [fileIndex, path] of options.inputs.entries()) {
      if (options.signal?.aborted) break
      const file: FileReport = {path, format: options.format ?? null, rows: {read: 0, valid: 0, invalid: 0}, rejectsFile: null, error: null}
      files.push(file)
      let source: InputSource | undefined
      let rejects: RetryFileWriter | undefined
      try {
        source = await openSource(path, {format: options.format, signal: options.signal})
        file.format = source.format
        const eventIdSeed = path === '-' ? 'stdin' : await fingerprintInput(path).then((f) => `${f.headHash}:${f.size}`)
        if (source.columns) {
          for (const problem of checkColumns({type: options.type, columns: source.columns, mapping: options.mapping})) {
            if (problem.level === 'warning') warnings.push({file: path, rule: problem.rule, message: problem.message})
          }
        }
        const mapper = createMapper({type: options.type, mapping: options.mapping, columns: source.columns, eventIdSeed, api})
        const packer = new BatchPacker({api, fileIndex, maxBodyBytes: options.maxBodyBytes})
        // CSV columns are known up front; NDJSON keys are looked at per row.
        const csvTimestampColumns = source.columns?.filter((c) => isTypedTimestamp(c)) ?? null
        const rejectsPath = rejectsPathFor(path, source.format, fileIndex, options.rejectsFile)
        const position = {line: 0, offset: 0}

        for await (const record of source.records()) {
          file.rows.read++
          if (file.rows.read % PROGRESS_EVERY === 0) {
            options.onProgress?.({file: path, rows: file.rows.read, bytesRead: source.bytesRead(), totalBytes: source.totalBytes})
          }
          // JSON.parse keeps the last of two equal keys silently, and so does import: say where it happens.
          if (record.fields !== null && source.format === 'ndjson') {
            const keys = duplicateKeys(record.raw, record.fields)
            if (keys.length > 0) rowWarnings.add('ndjson_duplicate_key', {file: path, line: record.line, message: duplicateKeyMessage(keys)})
          }
          const result = mapper.map(record)
          if (!result.ok) {
            file.rows.invalid++
            const reason = record.truncated ? `${result.violation.message} (only the row's first bytes are kept here)` : result.violation.message
            tally.add(result.violation.rule, {file: path, line: record.line, message: reason})
            rejects ??= new RetryFileWriter(rejectsPath, source.format, source.header)
            await rejects.add({fileIndex, line: record.line, kind: 'invalid', rule: result.violation.rule, reason, raw: record.raw})
            continue
          }

          file.rows.valid++
          const op = result.op
          entryBytes += op.bytes
          duplicates.add(options.type === 'people' ? op.personKey : (op.entry.id as string), fileIndex, record.line)
          if (options.type === 'people') addEmailOwner(op, fileIndex, record.line)
          position.line = record.line
          position.offset = record.offset
          // Only the count of requests matters here: the batch's rows are not kept.
          if (packer.add(op, '', position) !== null) requests++

          checkTimestamps(record, csvTimestampColumns, path)
          const attributes = op.entry.attributes
          if (attributes !== undefined) profileAttributes(attributes, path, record.line)
        }
        if (packer.flush() !== null) requests++
      } catch (error) {
        // Ctrl-C before the header was read: nothing to report for this file.
        if (options.signal?.aborted && (error as Error).name === 'AbortError') break
        file.error = fileError(error, path)
        if (file.error === null) throw error
      } finally {
        source?.close()
        if (rejects !== undefined) {
          await rejects.close()
          file.rejectsFile = rejects.path
        }
      }
    }

    const rows = {read: 0, valid: 0, invalid: 0}
    for (const f of files) {
      rows.read += f.rows.read
      rows.valid += f.rows.valid
      rows.invalid += f.rows.invalid
    }
    const interrupted = options.signal?.aborted === true
    const exitCode = files.some((f) => f.error !== null) ? 2 : interrupted ? 4 : rows.invalid > 0 ? 1 : 0
    return {
      type: options.type,
      api,
      mapping: options.mappingPath ?? null,
      files,
      rows,
      invalidByRule: tally.result(),
      warnings,
      rowWarnings: rowWarnings.result(),
      duplicates: {key: options.type === 'people' ? 'identifier' : 'event_id', hashBits: 64, ...duplicates.finish()},
      emailConflicts: {hashBits: 64, ...emails.finish()},
      timestamps: timestamps.result(),
      attributes: profile.result(),
      attributesNotListed: profile.notListed,
      plan: buildPlan({
        basis: 'rows',
        volume: rows.read,
        rows: rows.valid,
        api,
        requests,
        requestsEstimated: false,
        avgEntryBytes: rows.valid === 0 ? null : Math.round(entryBytes / rows.valid),
        rate,
        concurrency,
      }),
      interrupted,
      durationMs: Math.round(performance.now() - startedAt),
      exitCode,
    }
  } finally {
    duplicates.dispose()
    emails.dispose()
  }

  /**
   * An email set by rows of two different people (by id or cio_id) is one Customer.io cannot give both:
   * it merges them or records an attribute update failure, and answers 200 either way. Emails compare
   * case-insensitively, as Customer.io's do. A row addressed by its email alone updates whoever holds
   * that email, so it owns nothing here.
   */
  function addEmailOwner(op: Operation, fileIndex: number, line: number): void {
    const email = op.entry.attributes?.email
    if (typeof email !== 'string' || op.entry.identifiers.email !== undefined) return
    emails.add(email.trim().toLowerCase(), fileIndex, line, op.personKey)
  }

  function checkTimestamps(record: SourceRecord, csvColumns: string[] | null, path: string): void {
    const fields = record.fields as Record<string, unknown>
    if (csvColumns !== null) {
      for (const column of csvColumns) {
        const raw = fields[column]
        if (raw !== '') timestamps.check(column, true, raw, path, record.line)
      }
      return
    }
    for (const column in fields) {
      const raw = fields[column]
      if (raw !== '' && raw !== null && isTypedTimestamp(column)) timestamps.check(column, true, raw, path, record.line)
    }
  }

  function profileAttributes(attributes: Record<string, unknown>, path: string, line: number): void {
    for (const name in attributes) {
      const value = attributes[name]
      if (timestampTargets.has(name)) {
        profile.add(name, 'timestamp')
        continue
      }
      const type = valueTypeOf(value)
      profile.add(name, type)
      // Untyped: it lands as text, so Unix milliseconds there are worth a warning.
      if (type === 'timestamp' && typeof value !== 'object') timestamps.check(name, false, value, path, line)
    }
  }
}

function fileError(error: unknown, path: string): FileReport['error'] {
  const e = error as Error & {rule?: string}
  if (e instanceof ColumnsError) {
    const where = path === '-' ? 'stdin' : path
    return {rule: e.problems[0].rule, message: e.problems.map((p) => `${where} line 1: ${p.message} (rule: ${p.rule})`).join('; ')}
  }
  if (e?.name === 'InputError') return {rule: e.rule ?? 'input_error', message: e.message}
  if (e?.name === 'MappingError') return {rule: 'mapping_invalid', message: `${path === '-' ? 'stdin' : path}: ${e.message}`}
  return null
}

function duplicateKeyMessage(keys: string[]): string {
  const names = [...new Set(keys)].map((key) => `'${key}'`).join(', ')
  return `key ${names} appears more than once in the same object; the last value is used`
}
