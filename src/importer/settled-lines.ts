import type {AckRange} from '../ledger/records.js'

/**
 * Rows past the resume point that already have a final answer (acknowledged batches that finished
 * ahead of an older one, failed or invalid rows). Rows arrive in line order, so one forward pass
 * over the sorted ranges answers each question in constant time.
 */
export class SettledLines {
  private rangeAt = 0
  private failedAt = 0

  constructor(
    private readonly ranges: AckRange[],
    private readonly failed: number[],
  ) {}

  has(line: number): boolean {
    while (this.rangeAt < this.ranges.length && this.ranges[this.rangeAt].lastLine < line) this.rangeAt++
    const range = this.ranges[this.rangeAt]
    if (range && range.firstLine <= line) return true
    while (this.failedAt < this.failed.length && this.failed[this.failedAt] < line) this.failedAt++
    return this.failed[this.failedAt] === line
  }
}
