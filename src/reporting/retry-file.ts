import {parse} from 'csv-parse/sync'
import {stringify} from 'csv-stringify/sync'
import {once} from 'node:events'
import {createWriteStream, type WriteStream} from 'node:fs'
import {rename, rm} from 'node:fs/promises'

import type {RowFailure} from '../ledger/records.js'
import {stringifyExact} from '../source/json-number.js'
import {jsonDepthOver, parseExact} from '../source/json-text.js'
import type {InputFormat} from '../source/types.js'

export const RETRY_FIELDS = ['_line', '_error'] as const

/** The `_error` cell: the rule code first, so a retry file can be sorted and filtered by rule. */
export function retryErrorText(failure: Pick<RowFailure, 'rule' | 'reason'>): string {
  return `${failure.rule}: ${failure.reason}`
}

function csvCells(cells: unknown[]): string {
  return stringify([cells], {record_delimiter: 'unix'}).replace(/\n$/, '')
}

/**
 * Turns failed rows back into the input's own format, plus `_line` and `_error`, so the file can be
 * fixed and imported again with the same command (the importer ignores those two fields).
 * CSV rows are written as they were read (quoting kept) with two cells appended; a file that already
 * has `_line`/`_error` columns (a retry file imported again) gets those cells replaced instead.
 */
export function retryLineFormatter(format: InputFormat, header: string | null): {header: string | null; row: (f: RowFailure) => string | Buffer} {
  const text = textLineFormatter(format, header)
  return {header: text.header, row: (f) => (f.rule === 'invalid_utf8' ? rawBytesLine(text.row, f) : text.row(f))}
}

/**
 * An invalid_utf8 row's raw text holds its bytes one character each (latin1): format the line on
 * that text, with our own cells turned into the same form, and write it back byte for byte, so the
 * retry file keeps `Jos\xe9` as it was read instead of `Jos\ufffd`.
 */
function rawBytesLine(row: (f: RowFailure) => string, f: RowFailure): Buffer {
  const asByteText = (text: string) => Buffer.from(text, 'utf8').toString('latin1')
  return Buffer.from(row({...f, rule: asByteText(f.rule), reason: asByteText(f.reason)}), 'latin1')
}

function textLineFormatter(format: InputFormat, header: string | null): {header: string | null; row: (f: RowFailure) => string} {
  if (format === 'ndjson') {
    return {
      header: null,
      row: (f) => ndjsonRetryLine(f),
    }
  }

  const columns = header === null ? [] : (parse(header, {bom: true, relax_quotes: true})[0] as string[] | undefined) ?? []
  const hasRetryColumns = RETRY_FIELDS.every((c) => columns.includes(c))
  if (!hasRetryColumns) {
    return {
      header: header === null ? null : `${header},${RETRY_FIELDS.join(',')}`,
      row: (f) => `${f.raw},${csvCells([f.line, retryErrorText(f)])}`,
    }
  }

  const lineAt = columns.indexOf('_line')
  const errorAt = columns.indexOf('_error')
  return {
    header,
    row(f) {
      let cells: string[]
      try {
        cells = (parse(f.raw, {relax_quotes: true, relax_column_count: true})[0] as string[] | undefined) ?? []
      } catch {
        cells = [] // a row that is not CSV (an unclosed quote): kept as read, with the two cells added
      }
      if (cells.length !== columns.length) return `${f.raw},${csvCells([f.line, retryErrorText(f)])}`
      cells[lineAt] = String(f.line)
      cells[errorAt] = retryErrorText(f)
      return csvCells(cells)
    },
  }
}

/**
 * An NDJSON line as read with `_line` and `_error` added as text, so its numbers keep their digits
 * and its keys their order. A line that already has them (a retry file imported again) is parsed
 * exactly and written with the two keys replaced; a line that is not a JSON object goes into `_raw`.
 */
function ndjsonRetryLine(f: RowFailure): string {
  const extra = `"_line":${f.line},"_error":${JSON.stringify(retryErrorText(f))}`
  let parsed: unknown
  try {
    // JSON.parse copes with any depth; only a line that needs its keys replaced is parsed exactly.
    parsed = JSON.parse(f.raw)
  } catch {
    parsed = undefined
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return JSON.stringify({_raw: f.raw, _line: f.line, _error: retryErrorText(f)})
  }
  if ((Object.hasOwn(parsed, '_line') || Object.hasOwn(parsed, '_error')) && jsonDepthOver(f.raw) === 0) {
    const rest = {...(parseExact(f.raw) as Record<string, unknown>)}
    delete rest._line
    delete rest._error
    return stringifyExact({...rest, _line: f.line, _error: retryErrorText(f)})
  }
  const body = f.raw.trimEnd().slice(0, -1).trimEnd()
  return body.endsWith('{') ? `${body}${extra}}` : `${body},${extra}}`
}

const NEWLINE = Buffer.from('\n')

export class RetryFileError extends Error {
  override readonly name = 'RetryFileError'
  constructor(path: string, cause: Error) {
    super(`cannot write the retry file ${path}: ${(cause as NodeJS.ErrnoException).code ?? cause.message}`)
  }
}

/**
 * Writes a retry (or rejects) file row by row, in constant memory, atomically: rows go to a temp
 * file that replaces the target only on close(), so a crash never leaves a half-written file.
 */
export class RetryFileWriter {
  private readonly temp: string
  private readonly out: WriteStream
  private readonly formatter: ReturnType<typeof retryLineFormatter>
  private started = false
  private failure: Error | null = null
  rows = 0

  constructor(
    readonly path: string,
    format: InputFormat,
    header: string | null,
  ) {
    this.formatter = retryLineFormatter(format, header)
    this.temp = `${path}.partial`
    this.out = createWriteStream(this.temp, {encoding: 'utf8'})
    // A path that cannot be written (no folder, no permission, disk full) must become a message, not a crash.
    this.out.on('error', (error) => {
      this.failure = new RetryFileError(path, error)
    })
  }

  async add(failure: RowFailure): Promise<void> {
    if (!this.started) {
      this.started = true
      if (this.formatter.header !== null) await this.write(this.formatter.header)
    }

    await this.write(this.formatter.row(failure))
    this.rows++
  }

  /** Finish the file; with `keepEmpty` false, a file without rows is not left behind. */
  async close(keepEmpty = false): Promise<void> {
    if (!this.started && keepEmpty && this.formatter.header !== null) await this.write(this.formatter.header)
    if (this.failure) throw this.failure
    this.out.end()
    await this.settle('finish')
    if (this.rows === 0 && !keepEmpty) await rm(this.temp, {force: true})
    else await rename(this.temp, this.path)
  }

  private async write(line: string | Buffer): Promise<void> {
    if (this.failure) throw this.failure
    const ok = typeof line === 'string' ? this.out.write(`${line}\n`) : this.out.write(Buffer.concat([line, NEWLINE]))
    if (!ok) await this.settle('drain')
  }

  private async settle(event: 'drain' | 'finish'): Promise<void> {
    try {
      await once(this.out, event)
    } catch {
      // Recorded by the 'error' listener, with the file's name.
    }

    if (this.failure) throw this.failure
  }
}

/** Write a whole retry file from the ledger's failures. Returns how many rows it holds. */
export async function writeRetryFile(
  path: string,
  format: InputFormat,
  header: string | null,
  failures: Iterable<RowFailure>,
): Promise<number> {
  const writer = new RetryFileWriter(path, format, header)
  for (const failure of failures) await writer.add(failure)
  await writer.close(true)
  return writer.rows
}

/** The `.<run id>.retry` part a default retry file name carries (a ULID, any case). */
const RETRY_SUFFIX = /\.[0-9A-HJKMNP-TV-Z]{26}\.retry$/i

/**
 * Default retry file name: beside the user, named after the input and the run. A retry file imported
 * again gets one suffix, the new run's (`x.RUN1.retry.csv` -> `x.RUN2.retry.csv`), not a nested one.
 */
export function defaultRetryFileName(displayPath: string, format: InputFormat, runId: string): string {
  const name = displayPath === '-' ? 'stdin' : displayPath.split(/[\\/]/).pop()!.replace(/\.gz$/i, '').replace(/\.(csv|ndjson|jsonl|json)$/i, '')
  const base = name.replace(RETRY_SUFFIX, '')
  return `${base}.${runId}.retry.${format === 'csv' ? 'csv' : 'ndjson'}`
}
