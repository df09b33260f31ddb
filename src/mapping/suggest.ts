/**
 * "Did you mean" for a column the mapping names but the header lacks: a typo such as "Emial" must be
 * caught with the right name offered, not import everyone without their email.
 */

/** Edits between two short names; a swap of two neighbours ("Emial") counts as one, as people see it. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({length: a.length + 1}, (_, i) => Array.from({length: b.length + 1}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}

const fold = (name: string) => name.toLowerCase().replace(/[\s_-]+/g, '')

/** Up to `max` header names closest to `wanted` (case, spaces and underscores aside), best first. */
export function closestNames(wanted: string, names: readonly string[], max = 3): string[] {
  const target = fold(wanted)
  const limit = Math.max(1, Math.floor(target.length / 3))
  return names
    .map((name) => ({name, distance: editDistance(target, fold(name))}))
    .filter((c) => c.distance <= limit)
    .sort((a, b) => a.distance - b.distance)
    .slice(0, max)
    .map((c) => c.name)
}

/** ` (did you mean "Email"?)`, or nothing when no header name is close. */
export function didYouMean(wanted: string, names: readonly string[]): string {
  const close = closestNames(wanted, names)
  if (close.length === 0) return ''
  return ` (did you mean ${close.map((n) => JSON.stringify(n)).join(' or ')}?)`
}
