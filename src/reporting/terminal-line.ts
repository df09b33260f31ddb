/**
 * One status line redrawn in place on a terminal: carriage return, the text, erase to the end of
 * the line. No cursor save/restore and no hidden cursor, so nothing is left to undo when the
 * process stops at an odd moment, and a message printed after end() can never be overwritten.
 */
export class TerminalLine {
  private drawn = false
  private ended = false

  constructor(private readonly stream: NodeJS.WriteStream) {}

  /** Columns available now (a resized terminal is honoured at the next draw). */
  get width(): number {
    return this.stream.columns || 80
  }

  draw(text: string): void {
    if (this.ended) return
    this.stream.write(`\r${text}\u001B[K`)
    this.drawn = true
  }

  /** Leaves the last line on screen and moves to a fresh line; later draws are ignored. */
  end(): void {
    if (this.ended) return
    this.ended = true
    if (this.drawn) this.stream.write('\n')
  }
}

export interface StatusField {
  text: string
  /** Extra text after `text`, dropped (alone) at dropOrder on a narrow terminal. */
  detail?: string
  /** Lower goes first when the line does not fit; undefined never goes. */
  dropOrder?: number
}

const MIN_BAR = 10
const MAX_BAR = 30

function bar(fraction: number, width: number): string {
  const filled = Math.round(fraction * width)
  return '█'.repeat(filled) + '░'.repeat(width - filled)
}

function join(fields: StatusField[], dropped: Set<number>, separator = ' | '): string {
  const shown = fields.filter((f) => f.dropOrder === undefined || f.detail !== undefined || !dropped.has(f.dropOrder))
  return shown.map((f) => f.text + (f.detail && !(f.dropOrder !== undefined && dropped.has(f.dropOrder)) ? f.detail : '')).join(separator)
}

/**
 * The fields joined with " | " and a bar in front, fitted into `width` columns: optional fields go
 * (in dropOrder) before the bar shrinks below MIN_BAR, then the bar and the separators go; a line
 * still too long is cut at the edge. Two columns are kept free: writing the last one makes some
 * terminals wrap, and a Ctrl-C is echoed as `^C` after the text before the line is ended.
 */
export function fitStatusLine(fields: StatusField[], fraction: number | null, width: number): string {
  const max = Math.max(20, width - 3)
  const orders = [...new Set(fields.flatMap((f) => (f.dropOrder === undefined ? [] : [f.dropOrder])))].sort((a, b) => a - b)
  for (let level = 0; level <= orders.length; level++) {
    const text = join(fields, new Set(orders.slice(0, level)))
    if (fraction === null) {
      if (text.length <= max) return text
      continue
    }

    const room = max - text.length - 1
    if (room >= MIN_BAR) return `${bar(fraction, Math.min(MAX_BAR, room))} ${text}`
  }

  const essentials = join(fields, new Set(orders), ' ')
  return essentials.length <= max ? essentials : essentials.slice(0, max)
}
