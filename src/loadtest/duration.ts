const UNIT_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy

/**
 * Parse a k6-style duration ("500ms", "30s", "2m", "1m30s", "1h", "30d"). A bare number is refused:
 * guessing seconds versus milliseconds is how a 30 s stage silently becomes a 30 ms one.
 * Returns null when the text is not a duration, so callers can name the flag in their message.
 */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim()
  if (trimmed === '') return null
  PART.lastIndex = 0
  let total = 0
  let consumed = 0
  for (let match = PART.exec(trimmed); match; match = PART.exec(trimmed)) {
    total += Number(match[1]) * UNIT_MS[match[2]]
    consumed = PART.lastIndex
  }

  if (consumed !== trimmed.length) return null
  return Math.round(total)
}

/** Render milliseconds the way the user would have typed them: 90000 -> "1m30s", 1500 -> "1.5s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`
  if (ms % 1000 !== 0 && ms < 60_000) return `${ms / 1000}s`
  const minutes = Math.floor(ms / 60_000)
  const seconds = (ms - minutes * 60_000) / 1000
  if (minutes === 0) return `${seconds}s`
  return seconds === 0 ? `${minutes}m` : `${minutes}m${seconds}s`
}

/**
 * The one duration syntax of every command-line flag (--timeout, --drain-timeout, --graceful-stop...):
 * what parseDuration reads, plus a bare number meaning seconds, as `--timeout 30` always did on import.
 * Stage specs stay strict (parseDuration): there "10:100" is more likely a typo than ten seconds.
 */
export function parseFlagDuration(text: string): number | null {
  const trimmed = text.trim()
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  return parseDuration(trimmed)
}
