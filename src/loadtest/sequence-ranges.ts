/** Inclusive [first, last] runs of sequence numbers. */
export type Range = [number, number]

/**
 * A set of positive integers kept as sorted, merged ranges. Sequence numbers complete roughly in
 * order, so a run of thousands of people is usually a handful of ranges in the run record.
 */
export class SequenceRanges {
  private readonly ranges: Range[]

  constructor(ranges: readonly Range[] = []) {
    this.ranges = []
    for (const [first, last] of [...ranges].sort((a, b) => a[0] - b[0])) {
      const previous = this.ranges.at(-1)
      if (previous && first <= previous[1] + 1) previous[1] = Math.max(previous[1], last)
      else this.ranges.push([first, last])
    }
  }

  add(n: number): void {
    const {ranges} = this
    // Index of the first range starting after n.
    let lo = 0
    let hi = ranges.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (ranges[mid][0] > n) hi = mid
      else lo = mid + 1
    }

    const before = lo > 0 ? ranges[lo - 1] : undefined
    const after = lo < ranges.length ? ranges[lo] : undefined
    if (before && n <= before[1]) return
    const joinsBefore = before !== undefined && before[1] === n - 1
    const joinsAfter = after !== undefined && after[0] === n + 1
    if (joinsBefore && joinsAfter) {
      before[1] = after[1]
      ranges.splice(lo, 1)
    } else if (joinsBefore) {
      before[1] = n
    } else if (joinsAfter) {
      after[0] = n
    } else {
      ranges.splice(lo, 0, [n, n])
    }
  }

  get count(): number {
    return this.ranges.reduce((sum, [first, last]) => sum + last - first + 1, 0)
  }

  toJSON(): Range[] {
    return this.ranges.map(([first, last]) => [first, last])
  }

  *values(): Generator<number> {
    for (const [first, last] of this.ranges) for (let n = first; n <= last; n++) yield n
  }
}
