/**
 * Run ids are ULIDs, which are case-insensitive (Crockford base32). Imports print them in upper
 * case and load tests in lower case (they are part of person ids there); lookups accept either.
 */
export function importRunId(text: string): string {
  return text.trim().toUpperCase()
}

export function loadTestRunId(text: string): string {
  return text.trim().toLowerCase()
}
