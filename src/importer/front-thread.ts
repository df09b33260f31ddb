import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {MessageChannel, type MessagePort, Worker} from 'node:worker_threads'

import type {Batch} from '../batching/batch.js'
import {BatchBody} from '../batching/batch-body.js'
import type {BackMessage, FrontBatch, FrontJob, FrontMessage} from './front-protocol.js'
import {serveFront} from './front.js'

/**
 * The front's heap limits. A bounded heap keeps the import's peak memory flat in file size (issue 13:
 * bounding it from inside the CLI works); the front holds only its read buffer, the row being mapped and
 * the few batches it runs ahead. CIO_BACKFILL_FRONT_HEAP_MB (old generation, MB) exists for the test
 * that proves running out of it ends the run as a clear, resumable stop; it is not a user setting.
 */
const OLD_GENERATION_MB = 96
const YOUNG_GENERATION_MB = 12

function heapLimits(): {maxOldGenerationSizeMb: number; maxYoungGenerationSizeMb: number} {
  const forced = Number(process.env.CIO_BACKFILL_FRONT_HEAP_MB)
  if (Number.isFinite(forced) && forced > 0) return {maxOldGenerationSizeMb: forced, maxYoungGenerationSizeMb: Math.min(YOUNG_GENERATION_MB, forced)}
  return {maxOldGenerationSizeMb: OLD_GENERATION_MB, maxYoungGenerationSizeMb: YOUNG_GENERATION_MB}
}

/**
 * Where the worker's code is: beside this module once built (dist/importer/front-worker.js, in a clone
 * after `npm run build` and in the installed package). When oclif runs the commands from src/ through tsx
 * (its development mode, e.g. under NODE_ENV=test), this module is a .ts file and a worker thread cannot
 * load TypeScript through that loader on Node 20: the worker then runs the built front-worker.js from dist/
 * (tests build first), and says so when it is missing.
 */
function workerEntry(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('front-worker.js', import.meta.url)
  const built = new URL('../../dist/importer/front-worker.js', import.meta.url)
  if (!existsSync(built)) throw new Error(`${fileURLToPath(built)} is missing: run \`npm run build\` (the import reads files in a worker thread built there)`)
  return built
}

/** A message from the front, or how its thread ended when it ended without saying so. */
export type FrontEvent = FrontMessage

/**
 * The main thread's side of the front worker: its messages in order, one at a time, and the credits
 * that let it run ahead. The worker's code is found beside this file (dist/importer/front-worker.js).
 */
export class FrontThread {
  /** The worker, or for a v1 run the port of the front running on this thread. */
  private readonly worker: Worker | null
  private readonly port: Worker | MessagePort
  private readonly queue: FrontEvent[] = []
  private waiting: ((event: FrontEvent | null) => void) | null = null
  private ended = false
  private cancelled = false

  /**
   * A v1 run sends one row per request at 100 requests/s at most: reading is never what bounds it, and a
   * second thread per process only competes for the cores (with several shard processes on a box, the
   * extra scheduling jitter was enough to let a 429 through a shared budget). Its front runs here.
   */
  constructor(job: FrontJob) {
    if (job.mapper.api === 'v1') {
      const {port1, port2} = new MessageChannel()
      this.worker = null
      this.port = port1
      port1.on('message', (message: FrontMessage) => this.push(message))
      serveFront(job, port2)
      return
    }

    const limits = heapLimits()
    const worker = new Worker(workerEntry(), {workerData: job, resourceLimits: limits})
    this.worker = worker
    this.port = worker
    worker.on('message', (message: FrontMessage) => this.push(message))
    worker.on('error', (error: Error & {code?: string}) => {
      const message =
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `the thread that reads and maps the input ran out of memory (its heap is capped at ${limits.maxOldGenerationSizeMb} MB); ` +
            'nothing read past the last settled row is lost: resume continues from there'
          : `the thread that reads and maps the input failed: ${error.message}`
      this.push({kind: 'error', name: 'Error', message})
    })
    worker.on('exit', (code) => this.push({kind: 'error', name: 'Error', message: `the thread that reads and maps the input exited early (code ${code})`}))
  }

  /**
   * The next event, in the order the front produced them; after an end or an error, nothing more comes.
   * null once cancel() was called. (Waiting is not raced against a long-lived "stopped" promise: each race
   * would leave a reaction on it holding that event, batch and all, for the rest of the run.)
   */
  next(): Promise<FrontEvent | null> {
    const event = this.queue.shift()
    if (event) return Promise.resolve(event)
    if (this.cancelled) return Promise.resolve(null)
    return new Promise((resolve) => (this.waiting = resolve))
  }

  /** The run is stopping: a wait for the next event ends with null, now and from now on. */
  cancel(): void {
    this.cancelled = true
    this.queue.length = 0
    const waiting = this.waiting
    this.waiting = null
    waiting?.(null)
  }

  /** One batch was dispatched: the front may hand over one more. */
  credit(): void {
    if (!this.ended) this.port.postMessage({kind: 'credit'} satisfies BackMessage)
  }

  /**
   * A batch's answer is in the ledger: its body's memory goes back to the front for another body. The body
   * is unusable from here on (its bytes moved to the other thread).
   */
  recycle(body: BatchBody): void {
    if (this.ended) return
    const buffer = body.arrayBuffer
    this.port.postMessage({kind: 'recycle', buffer} satisfies BackMessage, [buffer])
  }

  /** Stop the front (done, or the run is stopping): its thread and its open file go. */
  async close(): Promise<void> {
    this.ended = true
    if (this.worker) await this.worker.terminate()
    else (this.port as MessagePort).close()
  }

  private push(event: FrontEvent): void {
    if (this.ended) return
    if (event.kind === 'end' || event.kind === 'error') this.ended = true
    const waiting = this.waiting
    if (waiting) {
      this.waiting = null
      waiting(event)
    } else {
      this.queue.push(event)
    }
  }
}

/** A batch as the back sends and settles it, from what the front handed over. */
export function batchFrom(fileIndex: number, handed: FrontBatch): Batch {
  return {
    fileIndex,
    body: BatchBody.fromParts(handed.bytes, handed.offsets),
    lines: handed.lines,
    raws: handed.raws,
    start: handed.start,
    personKeys: new Set(handed.personKeys),
  }
}
