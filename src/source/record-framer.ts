const LF = 0x0a
const CR = 0x0d
const QUOTE = 0x22
const COMMA = 0x2c

/** Scanner states between two bytes of a record. */
const OUTSIDE = 0
const IN_QUOTES = 1
/** A quote inside quotes was the last byte seen: the next byte says whether it closes or is doubled. */
const QUOTE_PENDING = 2

const UNKNOWN = -2
const EMPTY = Buffer.alloc(0)

/**
 * One record's bytes as found by the framer. The object is reused: read it before the next call.
 * The record is buf[start, end): no line break, no trailing CR.
 */
export interface Frame {
  buf: Buffer
  start: number
  end: number
  /** Absolute byte offset of the record's first byte. */
  offset: number
  /** Absolute byte offset just after its line break. */
  nextOffset: number
  /** The record's full size in bytes (without its line break), even when only a prefix is kept. */
  size: number
  /** Lines the record spans: 1, plus the line breaks inside its quoted fields. */
  lines: number
  /** Whether a quote occurs in the record (the fast field split does not apply). */
  hasQuote: boolean
  /** Only the first maxBytes bytes were kept. */
  truncated: boolean
}

export type FrameEnd =
  | {kind: 'done'}
  /**
   * The input ended inside a quoted field. `frame` (from finish) then holds the rest of the input;
   * lineDelta is the line of the opening quote relative to the record's first line.
   */
  | {kind: 'unclosed_quote'; lineDelta: number; recordOffset: number; quoteOffset: number}
  | {kind: 'short'}

/**
 * Cuts a byte stream into records, one per line or, with quoteAware, per CSV record (RFC 4180: a
 * quote opens a quoted field only at the start of a field, so a stray quote inside an unquoted field
 * cannot swallow the following lines). Works on bytes so offsets are exact and UTF-8 is decoded once
 * per record; the structural bytes (quote, comma, CR, LF) never occur inside a UTF-8 sequence.
 * Memory stays bounded: a record longer than maxBytes keeps only its first maxBytes bytes while the
 * scan goes on to its end.
 */
export class RecordFramer {
  private buf: Buffer = EMPTY
  /** Absolute offset of buf[0]. */
  private base: number
  /** Index in buf of the current record's start (meaningless while dropping an oversized record). */
  private start = 0
  private startAbs: number
  /** Next byte to examine. */
  private pos = 0
  private state = OUTSIDE
  private hasQuote = false
  /** Index in buf of the next quote at or after the last search, -1 for none left in buf. */
  private nextQuote = UNKNOWN
  /** Line breaks counted in the current record up to buf[countedTo]. */
  private newlines = 0
  private countedTo = 0
  private openQuoteNewlines = 0
  /** Absolute offset of the quote that opened the current quoted field. */
  private openQuoteAt = 0
  /** First bytes of an oversized record; while set, buf holds only the record's unscanned tail. */
  private prefix: Buffer | null = null
  private prevByte = -1
  /** Bytes before this absolute offset are discarded unread (resume on a stream that cannot seek). */
  private skipUntil = 0
  private readonly frame: Frame = {
    buf: EMPTY, start: 0, end: 0, offset: 0, nextOffset: 0, size: 0, lines: 1, hasQuote: false, truncated: false,
  }

  constructor(
    private readonly quoteAware: boolean,
    private readonly maxBytes: number,
    startOffset: number,
  ) {
    this.base = startOffset
    this.startAbs = startOffset
  }

  /** Discards everything up to `offset` (at a record boundary) before framing resumes. */
  skipTo(offset: number): void {
    this.skipUntil = offset
    this.dropSkipped()
  }

  push(chunk: Buffer): void {
    if (this.prefix !== null) {
      if (this.buf.length > 0) this.prevByte = this.buf[this.buf.length - 1]
      this.base += this.buf.length
      this.buf = chunk
      this.pos = 0
      this.countedTo = 0
    } else if (this.start >= this.buf.length) {
      this.base += this.buf.length
      this.buf = chunk
      this.start = this.pos = this.countedTo = 0
    } else {
      const shift = this.start
      this.buf = Buffer.concat([this.buf.subarray(shift), chunk])
      this.base += shift
      this.start = 0
      this.pos -= shift
      this.countedTo -= shift
    }
    this.nextQuote = UNKNOWN
    if (this.skipUntil > this.startAbs) this.dropSkipped()
  }

  /** The next complete record in what was pushed, or null when more bytes are needed. */
  next(): Frame | null {
    if (this.skipUntil > this.startAbs) return null
    const end = this.quoteAware ? this.scanCsv() : this.scanLine()
    if (end === -1) {
      this.limitMemory()
      return null
    }
    return this.cut(end, end + 1)
  }

  /**
   * At the end of the input: the last record when it has no line break (else null), or why the
   * input ended in the middle of one (an unclosed quote: the frame is then the rest of the input).
   */
  finish(): {frame: Frame | null; end: FrameEnd} {
    if (this.skipUntil > this.startAbs) return {frame: null, end: {kind: 'short'}}
    if (this.state === IN_QUOTES) {
      const end: FrameEnd = {kind: 'unclosed_quote', lineDelta: this.openQuoteNewlines, recordOffset: this.startAbs, quoteOffset: this.openQuoteAt}
      return {frame: this.cut(this.buf.length, this.buf.length), end}
    }
    const hasTail = this.prefix !== null || this.start < this.buf.length
    return {frame: hasTail ? this.cut(this.buf.length, this.buf.length) : null, end: {kind: 'done'}}
  }

  private dropSkipped(): void {
    const keepFrom = this.skipUntil - this.base
    if (keepFrom >= this.buf.length) {
      this.base += this.buf.length
      this.buf = EMPTY
      this.start = this.pos = this.countedTo = 0
      if (this.base === this.skipUntil) this.startAbs = this.skipUntil
      return
    }
    this.start = this.pos = this.countedTo = keepFrom
    this.startAbs = this.skipUntil
    this.nextQuote = UNKNOWN
  }

  private scanLine(): number {
    const lf = this.buf.indexOf(LF, this.pos)
    this.pos = lf === -1 ? this.buf.length : lf
    return lf
  }

  /** Index of the LF that ends the current record, or -1 when the buffer ends first. */
  private scanCsv(): number {
    const buf = this.buf
    const length = buf.length
    let pos = this.pos
    for (;;) {
      if (this.state === IN_QUOTES) {
        const quote = buf.indexOf(QUOTE, pos)
        if (quote === -1 || quote + 1 === length) {
          if (quote !== -1) this.state = QUOTE_PENDING
          this.pos = length
          return -1
        }
        if (buf[quote + 1] === QUOTE) pos = quote + 2
        else {
          this.state = OUTSIDE
          pos = quote + 1
        }
        continue
      }
      if (this.state === QUOTE_PENDING) {
        if (pos >= length) {
          this.pos = length
          return -1
        }
        if (buf[pos] === QUOTE) {
          this.state = IN_QUOTES
          pos += 1
        } else this.state = OUTSIDE
        continue
      }
      const lf = buf.indexOf(LF, pos)
      let quote = this.nextQuote
      if (quote === UNKNOWN || (quote >= 0 && quote < pos)) {
        quote = buf.indexOf(QUOTE, pos)
        this.nextQuote = quote
      }
      if (quote === -1 || (lf !== -1 && lf < quote)) {
        this.pos = lf === -1 ? length : lf
        return lf
      }
      this.hasQuote = true
      const atRecordStart = this.prefix === null && quote === this.start
      const before = quote > 0 ? buf[quote - 1] : this.prevByte
      if (atRecordStart || before === COMMA) {
        this.countNewlines(quote)
        this.openQuoteNewlines = this.newlines
        this.openQuoteAt = this.base + quote
        this.state = IN_QUOTES
      }
      pos = quote + 1
    }
  }

  private countNewlines(upTo: number): void {
    const buf = this.buf
    let at = buf.indexOf(LF, this.countedTo)
    while (at !== -1 && at < upTo) {
      this.newlines += 1
      at = buf.indexOf(LF, at + 1)
    }
    this.countedTo = upTo
  }

  /** An unfinished record past maxBytes keeps its first maxBytes bytes; the rest is scanned and dropped. */
  private limitMemory(): void {
    if (this.prefix === null && this.base + this.buf.length - this.startAbs <= this.maxBytes) return
    if (this.prefix === null) this.prefix = Buffer.from(this.buf.subarray(this.start, this.start + this.maxBytes))
    if (this.hasQuote) this.countNewlines(this.buf.length)
  }

  private cut(lfIndex: number, nextIndex: number): Frame {
    const buf = this.buf
    const floor = this.prefix === null ? this.start : 0
    const bodyEnd = lfIndex > floor && buf[lfIndex - 1] === CR ? lfIndex - 1 : lfIndex
    const frame = this.frame
    frame.offset = this.startAbs
    frame.nextOffset = this.base + nextIndex
    frame.size = this.base + bodyEnd - this.startAbs
    frame.hasQuote = this.hasQuote
    if (this.hasQuote) this.countNewlines(bodyEnd)
    frame.lines = 1 + this.newlines
    if (this.prefix !== null) {
      frame.buf = this.prefix
      frame.start = 0
      frame.end = this.prefix.length
      frame.truncated = true
    } else {
      frame.buf = buf
      frame.start = this.start
      frame.end = Math.min(bodyEnd, this.start + this.maxBytes)
      frame.truncated = frame.end < bodyEnd
    }
    this.startAbs = frame.nextOffset
    this.start = this.pos = this.countedTo = nextIndex
    this.state = OUTSIDE
    this.hasQuote = false
    this.newlines = 0
    this.prefix = null
    this.prevByte = -1
    return frame
  }
}
