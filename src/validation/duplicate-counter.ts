import {closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {hash64Into} from './hash64.js'
import {sortByHash} from './radix-sort.js'

/** Words per spill entry: hash high half, hash low half, file index, line; with owners, the owner's hash halves. */
const STRIDE = 4
const OWNER_STRIDE = 6

export interface DuplicateCounterOptions {
  /** Where the spill directory goes (default os.tmpdir()). */
  tmpDir?: string
  /** Hash partitions, a power of two (default 64). */
  partitions?: number
  /** Entries sorted in memory at once; a bigger partition is sorted in runs and merged (default 2^20 = 16 MiB). */
  sortChunkEntries?: number
  /** Entries buffered per partition before a write (default 4096 = 64 KiB). */
  bufferEntries?: number
  /** How many repeated keys to show (default 5). */
  examples?: number
  /** Lines kept per example (default 4). */
  linesPerExample?: number
  /**
   * Count conflicts instead of repeats: every add() names the key's owner (e.g. an email and the person
   * who sets it), and a row counts when its owner differs from the first owner of the same key.
   */
  owners?: boolean
}

export interface RowPosition {
  fileIndex: number
  line: number
}

export interface DuplicateExample {
  /** How many rows carry this key (with owners: the first row plus the rows of other owners). */
  rows: number
  /** The first rows carrying it, in input order (the first is the original). */
  lines: RowPosition[]
}

export interface DuplicateCounts {
  /** Rows whose key already appeared on an earlier row (with owners: owned by someone else). */
  rows: number
  /** Distinct keys that appear on more than one row (with owners: with more than one owner). */
  keys: number
  /** The repeated keys whose first repeat comes earliest in the input. */
  examples: DuplicateExample[]
}

/**
 * Counts rows that repeat a key (a person's identifier, an event id) in memory that does not grow
 * with the input: each key is hashed to 64 bits and (hash, file, line) is appended to one of
 * `partitions` spill files chosen by the hash's top bits. At the end each partition is sorted by
 * hash (radix sort, in runs of `sortChunkEntries` merged from disk when larger) and equal neighbours
 * are counted. Memory: partition buffers (64 x 64 KiB) plus one sort chunk (16 MiB of entries and
 * 8 MiB of indices), whatever the row count. Disk: 16 bytes per row, removed by dispose().
 */
export class DuplicateCounter {
  private readonly partitions: number
  private readonly shift: number
  private readonly chunkEntries: number
  private readonly bufferEntries: number
  private readonly buffers: Array<Uint32Array | undefined>
  private readonly filled: Uint32Array
  private readonly written: Float64Array
  private readonly fds: Array<number | undefined>
  private readonly hash = new Uint32Array(2)
  private readonly ownerHash = new Uint32Array(2)
  private readonly stride: number
  private readonly entryBytes: number
  private dir: string | undefined
  private readonly scan: GroupScanner
  added = 0

  constructor(private readonly options: DuplicateCounterOptions = {}) {
    this.partitions = options.partitions ?? 64
    if (this.partitions < 1 || this.partitions > 4096 || (this.partitions & (this.partitions - 1)) !== 0) {
      throw new RangeError('DuplicateCounter: partitions must be a power of two between 1 and 4096')
    }
    this.shift = 32 - Math.log2(this.partitions)
    this.chunkEntries = Math.max(2, options.sortChunkEntries ?? 1 << 20)
    this.bufferEntries = Math.max(1, options.bufferEntries ?? 4096)
    this.buffers = new Array(this.partitions)
    this.filled = new Uint32Array(this.partitions)
    this.written = new Float64Array(this.partitions)
    this.fds = new Array(this.partitions)
    this.stride = options.owners ? OWNER_STRIDE : STRIDE
    this.entryBytes = this.stride * 4
    this.scan = new GroupScanner(options.examples ?? 5, options.linesPerExample ?? 4, options.owners === true)
  }

  /**
   * Record that row (fileIndex, line) carries `key` (owned by `owner` when counting conflicts).
   * Lines above 2^32 - 1 wrap (4 billion lines).
   */
  add(key: string, fileIndex: number, line: number, owner = ''): void {
    hash64Into(key, this.hash)
    const h1 = this.hash[0]
    // `>>> 32` is a no-op in JS, so one partition needs its own case.
    const p = this.shift === 32 ? 0 : h1 >>> this.shift
    let buffer = this.buffers[p]
    if (buffer === undefined) buffer = this.buffers[p] = new Uint32Array(this.bufferEntries * this.stride)
    const at = this.filled[p] * this.stride
    buffer[at] = h1
    buffer[at + 1] = this.hash[1]
    buffer[at + 2] = fileIndex
    buffer[at + 3] = line
    if (this.stride === OWNER_STRIDE) {
      hash64Into(owner, this.ownerHash)
      buffer[at + 4] = this.ownerHash[0]
      buffer[at + 5] = this.ownerHash[1]
    }
    this.added++
    if (++this.filled[p] === this.bufferEntries) this.flush(p)
  }

  /** Sort every partition and count. Call once, after the last add(). */
  finish(): DuplicateCounts {
    for (let p = 0; p < this.partitions; p++) {
      if (this.filled[p] > 0) this.flush(p)
      const fd = this.fds[p]
      if (fd !== undefined) closeSync(fd)
      this.fds[p] = undefined
      this.buffers[p] = undefined
    }
    for (let p = 0; p < this.partitions; p++) {
      if (this.written[p] > 0) this.countPartition(p)
    }
    return this.scan.result()
  }

  /** Remove the spill files. Safe to call more than once, and after a failure. */
  dispose(): void {
    for (let p = 0; p < this.partitions; p++) {
      const fd = this.fds[p]
      if (fd !== undefined) closeSync(fd)
      this.fds[p] = undefined
    }
    if (this.dir !== undefined) rmSync(this.dir, {recursive: true, force: true})
    this.dir = undefined
  }

  private spillDir(): string {
    this.dir ??= mkdtempSync(join(this.options.tmpDir ?? tmpdir(), 'cio-backfill-dups-'))
    return this.dir
  }

  private partitionPath(p: number): string {
    return join(this.spillDir(), `partition-${p}.bin`)
  }

  private flush(p: number): void {
    const buffer = this.buffers[p]!
    let fd = this.fds[p]
    if (fd === undefined) fd = this.fds[p] = openSync(this.partitionPath(p), 'w')
    writeAll(fd, new Uint8Array(buffer.buffer, 0, this.filled[p] * this.entryBytes))
    this.written[p] += this.filled[p]
    this.filled[p] = 0
  }

  private countPartition(p: number): void {
    const entries = this.written[p]
    const path = this.partitionPath(p)
    const fd = openSync(path, 'r')
    try {
      if (entries <= this.chunkEntries) {
        const stride = this.stride
        const records = readEntries(fd, entries, stride)
        const order = sortByHash(records, entries, stride)
        for (let i = 0; i < entries; i++) {
          const at = order[i] * stride
          this.scan.feed(records[at], records[at + 1], records[at + 2], records[at + 3], records[at + 4], records[at + 5])
        }
        return
      }
      this.mergeRuns(this.writeSortedRuns(fd, entries, p))
    } finally {
      closeSync(fd)
      rmSync(path, {force: true})
    }
  }

  /** Sort the partition a chunk at a time; each chunk becomes a sorted run file. */
  private writeSortedRuns(fd: number, entries: number, p: number): RunReader[] {
    const runs: RunReader[] = []
    for (let start = 0; start < entries; start += this.chunkEntries) {
      const count = Math.min(this.chunkEntries, entries - start)
      const stride = this.stride
      const records = readEntries(fd, count, stride)
      const order = sortByHash(records, count, stride)
      const sorted = new Uint32Array(count * stride)
      for (let i = 0; i < count; i++) sorted.set(records.subarray(order[i] * stride, order[i] * stride + stride), i * stride)
      const path = join(this.spillDir(), `partition-${p}-run-${runs.length}.bin`)
      const out = openSync(path, 'w')
      try {
        writeAll(out, new Uint8Array(sorted.buffer))
      } finally {
        closeSync(out)
      }
      runs.push(new RunReader(path, count, this.bufferEntries, stride))
    }
    return runs
  }

  /**
   * K-way merge of sorted runs. Ties go to the earlier run: runs are consecutive stretches of the
   * partition in input order, so equal hashes still come out in input order.
   */
  private mergeRuns(runs: RunReader[]): void {
    try {
      for (;;) {
        let best = -1
        for (let r = 0; r < runs.length; r++) {
          if (!runs[r].hasEntry) continue
          if (best === -1 || runs[r].before(runs[best])) best = r
        }
        if (best === -1) return
        const run = runs[best]
        this.scan.feed(run.h1, run.h2, run.fileIndex, run.line, run.o1, run.o2)
        run.advance()
      }
    } finally {
      for (const run of runs) run.close()
    }
  }
}

/**
 * Counts equal neighbours in hash order and keeps the examples whose first repeat is earliest. With
 * owners, only neighbours owned by someone other than the key's first owner count (and are shown).
 */
class GroupScanner {
  private rows = 0
  private keys = 0
  private examples: DuplicateExample[] = []
  private h1 = 0
  private h2 = 0
  private o1 = 0
  private o2 = 0
  private size = 0
  /** Rows that count in the current group: repeats, or rows of other owners. */
  private counted = 0
  private lines: RowPosition[] = []

  constructor(
    private readonly maxExamples: number,
    private readonly linesPerExample: number,
    private readonly owners: boolean,
  ) {}

  feed(h1: number, h2: number, fileIndex: number, line: number, o1 = 0, o2 = 0): void {
    if (this.size > 0 && h1 === this.h1 && h2 === this.h2) {
      this.size++
      if (this.owners && o1 === this.o1 && o2 === this.o2) return
      this.counted++
      this.rows++
      if (this.counted === 1) this.keys++
      if (this.lines.length < this.linesPerExample) this.lines.push({fileIndex, line})
      return
    }
    this.endGroup()
    this.h1 = h1
    this.h2 = h2
    this.o1 = o1
    this.o2 = o2
    this.size = 1
    this.counted = 0
    this.lines = [{fileIndex, line}]
  }

  result(): DuplicateCounts {
    this.endGroup()
    return {rows: this.rows, keys: this.keys, examples: this.examples}
  }

  private endGroup(): void {
    if (this.counted === 0 || this.maxExamples === 0) {
      this.size = 0
      return
    }
    // With owners, the rows that matter: the first owner's first row and the rows of other owners.
    const example = {rows: this.owners ? this.counted + 1 : this.size, lines: this.lines}
    this.size = 0
    const examples = this.examples
    if (examples.length === this.maxExamples && !earlier(example.lines[1], examples[examples.length - 1].lines[1])) return
    examples.push(example)
    examples.sort((a, b) => (earlier(a.lines[1], b.lines[1]) ? -1 : 1))
    if (examples.length > this.maxExamples) examples.pop()
  }
}

function earlier(a: RowPosition, b: RowPosition): boolean {
  return a.fileIndex < b.fileIndex || (a.fileIndex === b.fileIndex && a.line < b.line)
}

/** Streams one sorted run from disk through a small buffer. */
class RunReader {
  private readonly fd: number
  private readonly buffer: Uint32Array
  private remaining: number
  private at = 0
  private count = 0
  hasEntry = false
  h1 = 0
  h2 = 0
  fileIndex = 0
  line = 0
  o1 = 0
  o2 = 0

  constructor(
    private readonly path: string,
    entries: number,
    bufferEntries: number,
    private readonly stride: number,
  ) {
    this.fd = openSync(path, 'r')
    this.remaining = entries
    this.buffer = new Uint32Array(Math.min(bufferEntries, entries) * stride)
    this.advance()
  }

  before(other: RunReader): boolean {
    return this.h1 < other.h1 || (this.h1 === other.h1 && this.h2 < other.h2)
  }

  advance(): void {
    if (this.at === this.count) {
      if (this.remaining === 0) {
        this.hasEntry = false
        return
      }
      this.count = Math.min(this.remaining, this.buffer.length / this.stride)
      readInto(this.fd, new Uint8Array(this.buffer.buffer, 0, this.count * this.stride * 4))
      this.remaining -= this.count
      this.at = 0
    }
    const base = this.at * this.stride
    this.h1 = this.buffer[base]
    this.h2 = this.buffer[base + 1]
    this.fileIndex = this.buffer[base + 2]
    this.line = this.buffer[base + 3]
    if (this.stride === OWNER_STRIDE) {
      this.o1 = this.buffer[base + 4]
      this.o2 = this.buffer[base + 5]
    }
    this.at++
    this.hasEntry = true
  }

  close(): void {
    closeSync(this.fd)
    rmSync(this.path, {force: true})
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done)
}

/** Reads the next `count` entries at the file's current position. */
function readEntries(fd: number, count: number, stride: number): Uint32Array {
  const records = new Uint32Array(count * stride)
  readInto(fd, new Uint8Array(records.buffer))
  return records
}

function readInto(fd: number, bytes: Uint8Array): void {
  let done = 0
  while (done < bytes.length) {
    const n = readSync(fd, bytes, done, bytes.length - done, null)
    if (n === 0) throw new Error('spill file ended early')
    done += n
  }
}
