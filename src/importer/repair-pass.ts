import type {Batch} from '../batching/batch.js'
import {BatchPacker} from '../batching/batch-packer.js'
import type {Ledger} from '../ledger/ledger.js'
import type {RunRecord} from '../ledger/records.js'
import {createMapper} from '../mapping/index.js'
import type {Operation} from '../mapping/types.js'
import type {DeliveryContext} from '../sending/deliver.js'
import {openSource} from '../source/index.js'
import {Dispatcher} from '../sending/dispatcher.js'
import {eventIdSchemeOf} from './event-id-scheme.js'

export interface RepairOptions {
  ledger: Ledger
  run: RunRecord
  /** The session's delivery context: the same pacer, transport and retry policy as every other request. */
  context: DeliveryContext
  window: number
  onStop: (error: unknown) => void
}

interface LastRow {
  fileIndex: number
  line: number
  offset: number
  op: Operation
  raw: string
}

/**
 * The repair pass. An attempt that ended without an answer (a timeout, a connection cut after the
 * request was sent) may still be applied by the server later, after its retry and after later rows of
 * the same people landed, leaving them with an older version. So once every file is done, the last row
 * in the files of every person such an attempt touched (kept in the ledger, so a crash does not forget
 * them) is sent again, in file order, through the same paced delivery. Events need no repair: their ids
 * make a late duplicate a no-op. Returns how many people were repaired, or null when the run stopped
 * first (the people stay in the ledger for the resume).
 */
export async function repairAmbiguousPeople(options: RepairOptions): Promise<number | null> {
  const {ledger, run, context} = options
  const people = ledger.ambiguousPeople(run.id)
  if (people.size === 0) return 0
  const last = await lastRowsOf(people, options)
  if (last === null) return null

  let repaired = 0
  const dispatcher = new Dispatcher({
    window: options.window,
    context,
    onDelivered: (batch, failures) => {
      repaired += batch.lines.length - failures.size
    },
    onStop: options.onStop,
  })
  let chain: Promise<boolean> = Promise.resolve(true)
  const send = (batch: Batch) => (chain = chain.then((ok) => ok && dispatcher.dispatch(batch)))
  let packer: BatchPacker | null = null
  let packerFile = -1
  for (const row of [...last.values()].sort((a, b) => a.fileIndex - b.fileIndex || a.line - b.line)) {
    if (packer === null || row.fileIndex !== packerFile) {
      const rest = packer?.flush()
      if (rest) void send(rest)
      packer = new BatchPacker({api: run.api, fileIndex: row.fileIndex, maxBodyBytes: run.config.maxBodyBytes})
      packerFile = row.fileIndex
    }

    const ready = packer.add(row.op, row.raw, {line: row.line, offset: row.offset})
    if (ready && !(await send(ready))) break
  }

  const rest = packer?.flush()
  if (rest && !context.stopping.aborted) void send(rest)
  await chain
  await dispatcher.drain()
  if (context.stopping.aborted) return null
  ledger.finishRepair(run.id, repaired)
  return repaired
}

/** One read of every file, keeping for each of these people the last row that maps to an operation. */
async function lastRowsOf(people: Set<string>, options: RepairOptions): Promise<Map<string, LastRow> | null> {
  const {ledger, run, context} = options
  const last = new Map<string, LastRow>()
  for (const file of ledger.runFiles(run.id)) {
    const source = await openSource(file.path, {format: file.format, signal: context.stopping})
    try {
      const mapper = createMapper({
        type: run.type,
        mapping: (run.config.mapping ?? undefined) as Parameters<typeof createMapper>[0]['mapping'],
        columns: source.columns,
        eventIdSeed: `${file.headHash}:${file.size}`,
        eventIdScheme: eventIdSchemeOf(run.config),
        api: run.api,
      })
      for await (const record of source.records()) {
        if (context.stopping.aborted) return null
        const result = mapper.map(record)
        if (!result.ok || !people.has(result.op.personKey)) continue
        last.set(result.op.personKey, {fileIndex: file.fileIndex, line: record.line, offset: record.offset, op: result.op, raw: record.raw})
      }
    } finally {
      source.close()
    }
  }

  return last
}
