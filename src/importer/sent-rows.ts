import type {Ledger} from '../ledger/ledger.js'
import type {RunRecord} from '../ledger/records.js'
import {createMapper, type MappingFile} from '../mapping/index.js'
import type {Operation} from '../mapping/types.js'
import {openSource} from '../source/index.js'
import {eventIdSchemeOf} from './event-id-scheme.js'

export interface SentRow {
  fileIndex: number
  line: number
  /** The record's text as read, to write back in the input's format. */
  raw: string
  op: Operation
}

/**
 * The rows a finished run sent, read again through the run's own reader and mapper (the rules import
 * used), skipping rows the ledger holds as failed or invalid. For what happens after a run (the
 * rehearsal report, verify): never a second mapper.
 */
export async function forEachSentRow(ledger: Ledger, run: RunRecord, visit: (row: SentRow) => void): Promise<void> {
  for (const file of ledger.runFiles(run.id)) {
    const failed = new Set(ledger.failedLinesFrom(run.id, file.fileIndex, 0))
    const source = await openSource(file.path, {format: file.format})
    const mapper = createMapper({
      type: run.type,
      mapping: (run.config.mapping ?? undefined) as MappingFile | undefined,
      columns: source.columns,
      eventIdSeed: `${file.headHash}:${file.size}`,
      eventIdScheme: eventIdSchemeOf(run.config),
      api: run.api,
    })
    for await (const record of source.records()) {
      if (failed.has(record.line)) continue
      const result = mapper.map(record)
      if (result.ok) visit({fileIndex: file.fileIndex, line: record.line, raw: record.raw, op: result.op})
    }
  }
}
