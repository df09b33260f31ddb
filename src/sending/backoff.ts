/** Exponential backoff with full jitter: spreads retries of many batches instead of synchronising them. */
export function backoffMs(attempt: number, baseMs: number, capMs = 30_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt)
  return Math.round(Math.random() * ceiling)
}
