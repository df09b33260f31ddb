import type {MessagePort} from 'node:worker_threads'

import type {Batch} from '../batching/batch.js'
import {BodyPool} from '../batching/batch-body.js'
import {BatchPacker} from '../batching/batch-packer.js'
import type {RowFailure} from '../ledger/records.js'
import {createMapper} from '../mapping/index.js'
import {openSource} from '../source/index.js'
import type {BackMessage, FrontJob, FrontMessage, FrontProgress} from './front-protocol.js'
import {SettledLines} from './settled-lines.js'
import {ownsInvalidLine, ownsPerson} from './shard.js'

/** An open batch waits this long for more rows when the input stalls (a slow pipe), then goes. */
const IDLE_FLUSH_MS = 1000
/** Progress (positions, invalid rows) reaches the back at least this often while rows are read. */
const PROGRESS_EVERY_MS = 100
const INVALID_PER_MESSAGE = 1000

/**
 * The front half of an import, in a worker thread (front-worker.ts) or, for v1 runs, on the main thread: read one file from its resume point, map and check
 * each row, skip settled rows and other shards' rows, pack, and write each batch's body as bytes. It
 * hands batches over (their bytes transferred, not copied) only while it holds credits from the back,
 * so it never runs more than a few batches ahead. It decides nothing durable: it reports, in file order.
 */
export async function runFront(job: FrontJob, port: MessagePort): Promise<void> {
  let credits = job.credits
  let creditArrived: (() => void) | null = null
  const pool = new BodyPool()
  // The back closed its end (a v1 run stopping, on the main thread): stop reading.
  let closed = false
  port.on('message', (message: BackMessage) => {
    if (message.kind === 'recycle') return pool.give(message.buffer)
    credits++
    creditArrived?.()
  })
  port.once('close', () => {
    closed = true
    creditArrived?.()
  })

  const source = await openSource(job.path, {
    format: job.format,
    ...(job.startOffset > 0 ? {startOffset: job.startOffset, startLine: job.startLine} : {}),
  })
  post({kind: 'opened', header: source.header, compressed: source.compressed})
  const mapper = createMapper({...job.mapper, columns: source.columns})
  const settled = new SettledLines(job.acks, job.failedLines)
  const packer = new BatchPacker({api: job.mapper.api ?? 'v2', fileIndex: job.fileIndex, maxBodyBytes: job.maxBodyBytes, pool})
  const shard = job.shard

  let invalid: RowFailure[] = []
  let otherShards = 0
  let cursor = {line: job.startLine, offset: job.startOffset}
  let lastPostAt = performance.now()
  let lastAddAt = performance.now()
  let waitingForCredit = false

  function post(message: FrontMessage, transfer: ArrayBuffer[] = []): void {
    port.postMessage(message, transfer)
  }

  /** `held`: a closed batch not handed over yet, whose rows the position must not pass. */
  function progress(held?: Batch): FrontProgress {
    const pending = packer.pending
    const position = held ? held.start : pending ? pending.start : cursor
    const report = {invalid, otherShards, position, bytesRead: source.bytesRead()}
    invalid = []
    otherShards = 0
    lastPostAt = performance.now()
    return report
  }

  function handOver(batch: Batch): void {
    credits--
    const bytes = batch.body.bytes
    const offsets = batch.body.offsets
    post(
      {
        kind: 'batch',
        batch: {bytes, offsets, lines: batch.lines, raws: batch.raws, start: batch.start, personKeys: [...batch.personKeys]},
        ...progress(),
      },
      [bytes.buffer as ArrayBuffer, offsets.buffer as ArrayBuffer],
    )
  }

  async function send(batch: Batch): Promise<void> {
    if (credits <= 0) {
      post({kind: 'progress', ...progress(batch)})
      waitingForCredit = true
      while (credits <= 0 && !closed) await new Promise<void>((resolve) => (creditArrived = resolve))
      creditArrived = null
      waitingForCredit = false
    }

    if (!closed) handOver(batch)
  }

  const timer = setInterval(() => {
    // Only when the input itself is slow: while waiting for credit, a half-full batch sent early would
    // just mean more, smaller requests.
    if (waitingForCredit) return
    const now = performance.now()
    if (closed) return
    if (packer.pending && credits > 0 && now - lastAddAt >= IDLE_FLUSH_MS) handOver(packer.flush()!)
    else if (now - lastPostAt >= PROGRESS_EVERY_MS) post({kind: 'progress', ...progress()})
  }, PROGRESS_EVERY_MS)
  // Never what keeps a process alive (on the main thread, a v1 run's front).
  timer.unref()

  try {
    for await (const record of source.records()) {
      if (closed) break
      cursor = {line: record.nextLine ?? record.line + 1, offset: record.nextOffset}
      if (settled.has(record.line)) continue
      // Another shard's row: read past it (the resume point moves over it), count it, send nothing.
      // Decided from the identifier cells alone, before the row is mapped: skipping must be cheap.
      if (shard) {
        const key = mapper.personKey(record)
        if (!(key === undefined ? ownsInvalidLine(shard, record.line) : ownsPerson(shard, key))) {
          otherShards++
          continue
        }
      }

      const result = mapper.map(record)

      if (!result.ok) {
        invalid.push({
          fileIndex: job.fileIndex,
          line: record.line,
          kind: 'invalid',
          rule: result.violation.rule,
          reason: record.truncated ? `${result.violation.message} (only the row's first bytes are kept here)` : result.violation.message,
          raw: record.raw,
        })
        if (invalid.length >= INVALID_PER_MESSAGE) post({kind: 'progress', ...progress()})
        continue
      }

      lastAddAt = performance.now()
      const ready = packer.add(result.op, record.raw, {line: record.line, offset: record.offset})
      if (ready) await send(ready)
      else if (lastAddAt - lastPostAt >= PROGRESS_EVERY_MS) post({kind: 'progress', ...progress()})
    }

    const last = packer.flush()
    if (last) await send(last)
  } catch (error) {
    // What was read before the problem still counts (invalid rows, the position before the open batch).
    post({kind: 'progress', ...progress()})
    throw error
  } finally {
    clearInterval(timer)
  }

  post({kind: 'end', ...progress()})
}

/** Run the front on `port`; a failure becomes its error message (name and message, as thrown). */
export function serveFront(job: FrontJob, port: MessagePort): void {
  runFront(job, port).catch((error: unknown) => {
    const e = error as Error
    port.postMessage({kind: 'error', name: e?.name ?? 'Error', message: e?.message ?? String(error)} satisfies FrontMessage)
  })
}
