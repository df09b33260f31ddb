import {parse} from 'csv-parse/sync'
import {stringify} from 'csv-stringify/sync'
import {once} from 'node:events'
import {createWriteStream} from 'node:fs'
import {rename} from 'node:fs/promises'

import type {RowFailure} from '../ledger/records.js'
import type {InputFormat} from '../source/types.js'

export const RETRY_FIELDS = ['_line', '_error'] as const

function csvCells(cells: unknown[]): string {
  return stringify([cells], {record_delimiter: 'unix'}).replace(/\n$/, '')
}

/**
 * Turns failed rows back into the input's own format, plus `_line` and `_error`, so the file can be
 * fixed and imported again with the same command (the importer ignores those two fields).
 * CSV rows are written as they were read (quoting kept) with two cells appended; a file that already
 * has `_line`/`_error` columns (a retry file imported again) gets those cells replaced instead.
 */
export function retryLineFormatter(format: InputFormat, header: string | null): {header: string | null; row: (f: RowFailure) => string} {
  if (format === 'ndjson') {
    return {
      header: null,
      row(f) {
        let parsed: unknown
        try {
          parsed = JSON.parse(f.raw)
        } catch {
          parsed = undefined
        }

        const base = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as object) : {_raw: f.raw}
        return JSON.stringify({...base, _line: f.line, _error: f.reason})
      },
    }
  }

  const columns = header === null ? [] : (parse(header, {bom: true, relax_quotes: true})[0] as string[] | undefined) ?? []
  const hasRetryColumns = RETRY_FIELDS.every((c) => columns.includes(c))
  if (!hasRetryColumns) {
    return {
      header: header === null ? null : `${header},${RETRY_FIELDS.join(',')}`,
      row: (f) => `${f.raw},${csvCells([f.line, f.reason])}`,
    }
  }

  const lineAt = columns.indexOf('_line')
  const errorAt = columns.indexOf('_error')
  return {
    header,
    row(f) {
      const cells = (parse(f.raw, {relax_quotes: true, relax_column_count: true})[0] as string[] | undefined) ?? []
      if (cells.length !== columns.length) return `${f.raw},${csvCells([f.line, f.reason])}`
      cells[lineAt] = String(f.line)
      cells[errorAt] = f.reason
      return csvCells(cells)
    },
  }
}

/** Write the retry file atomically (temp file, then rename). Returns how many rows it holds. */
export async function writeRetryFile(
  path: string,
  format: InputFormat,
  header: string | null,
  failures: Iterable<RowFailure>,
): Promise<number> {
  const formatter = retryLineFormatter(format, header)
  const temp = `${path}.partial`
  const out = createWriteStream(temp, {encoding: 'utf8'})
  let rows = 0
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await once(out, 'drain')
  }

  if (formatter.header !== null) await write(formatter.header)
  for (const failure of failures) {
    await write(formatter.row(failure))
    rows++
  }

  out.end()
  await once(out, 'finish')
  await rename(temp, path)
  return rows
}

/** Default retry file name: beside the user, named after the input and the run. */
export function defaultRetryFileName(displayPath: string, format: InputFormat, runId: string): string {
  const base = displayPath === '-' ? 'stdin' : displayPath.split(/[\\/]/).pop()!.replace(/\.gz$/i, '').replace(/\.(csv|ndjson|jsonl|json)$/i, '')
  return `${base}.${runId}.retry.${format === 'csv' ? 'csv' : 'ndjson'}`
}
