/** Edit distance, for "did you mean": flag names are short, so the quadratic table is nothing. */
function distance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }

    previous = current
  }

  return previous[b.length]
}

/** The known flag closest to a mistyped one (`--tpye` -> `type`), or null when none is plausibly meant. */
export function closestFlag(typed: string, known: string[]): string | null {
  const name = typed.replace(/^-+/, '').split('=')[0]
  let best: {flag: string; d: number} | null = null
  for (const flag of known) {
    const d = flag.startsWith(name) && name.length >= 3 ? 0.5 : distance(name, flag)
    if (!best || d < best.d) best = {flag, d}
  }

  return best && best.d <= Math.max(2, Math.floor(name.length / 3)) ? best.flag : null
}
