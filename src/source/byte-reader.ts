import {createReadStream} from 'node:fs'
import {Readable, pipeline} from 'node:stream'
import {createGunzip} from 'node:zlib'
import {UTF8_BOM, startsWithGzipMagic} from './input-format.js'
import {toInputError} from './input-error.js'

/** Bigger reads than fs's 64 KiB default cut the per-chunk overhead; memory stays a few hundred KiB. */
const READ_CHUNK_BYTES = 256 * 1024

export interface ByteReaderOptions {
  /** Byte offset to start reading a plain file at (resume). */
  start?: number
  signal?: AbortSignal
  /** Bytes per read from a file (default 256 KiB); tests use tiny reads to put chunk boundaries anywhere. */
  readChunkBytes?: number
}

/**
 * The input's bytes, decompressed when they are gzip, pulled chunk by chunk: nothing is read ahead
 * beyond the stream's buffer, so a slow consumer slows the disk read. '-' is stdin. An abort makes
 * the next pull return null (end of input) instead of throwing.
 */
export class ByteReader {
  private readonly pending: Buffer[] = []
  private rawBytes: number
  private aborted = false
  private onAbort: (() => void) | null = null
  private chunks!: AsyncIterator<Buffer>
  private destroyStream: () => void = () => {}
  compressed = false

  private constructor(
    private readonly path: string,
    private readonly options: ByteReaderOptions,
  ) {
    this.rawBytes = options.start ?? 0
    const signal = options.signal
    if (signal) {
      this.onAbort = () => {
        this.aborted = true
        this.destroyStream()
      }
      if (signal.aborted) this.onAbort()
      else signal.addEventListener('abort', this.onAbort, {once: true})
    }
  }

  static async open(path: string, options: ByteReaderOptions = {}): Promise<ByteReader> {
    const reader = new ByteReader(path, options)
    try {
      await reader.start()
    } catch (error) {
      reader.close()
      throw error
    }
    return reader
  }

  /** Bytes taken from the file (compressed bytes for gzip), counted from the file's start. */
  bytesRead(): number {
    return this.rawBytes
  }

  /** The next chunk of (decompressed) bytes, or null at the end of the input or after an abort. */
  async next(): Promise<Buffer | null> {
    if (this.aborted) return null
    return this.pending.shift() ?? this.pull()
  }

  private async pull(): Promise<Buffer | null> {
    if (this.aborted) return null
    try {
      const result = await this.nextOrAbort()
      return this.aborted || result.done ? null : result.value
    } catch (error) {
      if (this.aborted) return null
      throw toInputError(error, this.path)
    }
  }

  /**
   * The next chunk, or the end as soon as the signal aborts (stdin may never answer otherwise).
   * Not Promise.race against one long-lived abort promise: every race leaves a reaction on it that
   * holds the settled chunk, so the whole input stayed in memory (150 MB of ArrayBuffers per 1M rows).
   */
  private nextOrAbort(): Promise<IteratorResult<Buffer>> {
    const next = this.chunks.next()
    const signal = this.options.signal
    if (!signal) return next
    return new Promise((resolve, reject) => {
      const onAbort = () => resolve({done: true, value: undefined})
      signal.addEventListener('abort', onAbort, {once: true})
      next.then(
        (result) => {
          signal.removeEventListener('abort', onAbort)
          resolve(result)
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort)
          reject(error)
        },
      )
    })
  }

  /** At least `bytes` bytes from the current position (fewer only at the end), without consuming them. */
  async peek(bytes: number): Promise<Buffer> {
    let have = this.pending.reduce((sum, chunk) => sum + chunk.length, 0)
    while (have < bytes) {
      const chunk = await this.pull()
      if (!chunk) break
      this.pending.push(chunk)
      have += chunk.length
    }
    return Buffer.concat(this.pending)
  }

  /** Drops `bytes` bytes from the current position (fewer only at the end of the input). */
  async skip(bytes: number): Promise<void> {
    let left = bytes
    while (left > 0) {
      const chunk = await this.next()
      if (chunk === null) return
      if (chunk.length > left) this.pending.unshift(chunk.subarray(left))
      left -= Math.min(left, chunk.length)
    }
  }

  /** Drops a UTF-8 byte order mark at the current position; returns its length (0 or 3). */
  async skipBom(): Promise<number> {
    const head = await this.peek(UTF8_BOM.length)
    if (!head.subarray(0, UTF8_BOM.length).equals(UTF8_BOM)) return 0
    const joined = Buffer.concat(this.pending).subarray(UTF8_BOM.length)
    this.pending.length = 0
    if (joined.length > 0) this.pending.push(joined)
    return UTF8_BOM.length
  }

  close(): void {
    if (this.onAbort) this.options.signal?.removeEventListener('abort', this.onAbort)
    this.pending.length = 0
    this.destroyStream()
    void this.chunks?.return?.()
  }

  private async start(): Promise<void> {
    const isStdin = this.path === '-'
    const raw: Readable = isStdin
      ? process.stdin
      : createReadStream(this.path, {start: this.options.start ?? 0, highWaterMark: this.options.readChunkBytes ?? READ_CHUNK_BYTES})
    // Stdin belongs to the process: never destroy it, only stop it from keeping the process alive
    // (after an abort, a silent producer would otherwise hold the event loop open).
    const rawChunks = raw.iterator({destroyOnReturn: !isStdin})
    const release = () => {
      if (isStdin) (raw as Readable & {unref?: () => void}).unref?.()
      else raw.destroy()
    }
    this.destroyStream = release
    const self = this
    const counted = async function* (): AsyncGenerator<Buffer> {
      for (;;) {
        const result = await rawChunks.next()
        if (result.done) return
        const chunk = typeof result.value === 'string' ? Buffer.from(result.value) : (result.value as Buffer)
        self.rawBytes += chunk.length
        yield chunk
      }
    }
    this.chunks = counted()
    // Only a whole input can be gzip: a resumed read starts mid-file, and only plain files are resumed.
    if ((this.options.start ?? 0) > 0) return
    const head = await this.peek(2)
    if (!startsWithGzipMagic(head)) return
    this.compressed = true
    const compressedChunks = this.chunks
    const pendingHead = this.pending.splice(0)
    const source = Readable.from(
      (async function* () {
        yield* pendingHead
        for (;;) {
          const result = await compressedChunks.next()
          if (result.done) return
          yield result.value
        }
      })(),
      {objectMode: false},
    )
    const gunzip = createGunzip({chunkSize: 64 * 1024})
    // Errors surface through the gunzip iterator below; the callback only keeps them from going unhandled.
    pipeline(source, gunzip, () => {})
    this.destroyStream = () => {
      gunzip.destroy()
      source.destroy()
      release()
    }
    this.chunks = gunzip[Symbol.asyncIterator]()
  }
}
