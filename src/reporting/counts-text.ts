const format = new Intl.NumberFormat('en-US')

/** A count as people read it: grouped digits (47,616) and the noun agreeing with the number. */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${format.format(n)} ${n === 1 ? singular : plural}`
}
