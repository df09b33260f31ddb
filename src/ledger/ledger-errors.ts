/** A problem with the ledger, written for the user: the CLI shows it as is (exit 2), never a stack. */
export class LedgerError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message)
    this.name = 'LedgerError'
  }
}

/** Why a write did not reach the disk, in words: SQLite's codes mean little to someone whose disk is full. */
function cause(code: string | undefined, message: string): string {
  if (code === 'SQLITE_FULL' || /ENOSPC|database or disk is full/i.test(message)) return 'the disk is full (disk full, SQLITE_FULL)'
  if (code?.startsWith('SQLITE_IOERR')) return `the disk reported an I/O error (${code})`
  if (code === 'SQLITE_READONLY' || code?.startsWith('SQLITE_READONLY_')) return `the ledger is read-only (${code})`
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return `another process kept the ledger busy (${code})`
  return `${message}${code ? ` (${code})` : ''}`
}

/**
 * A write to the ledger failed. Nothing of what that write carried counts as settled: the run stops
 * and a resume starts from the last write that succeeded.
 */
export function ledgerWriteError(path: string, error: unknown): LedgerError {
  if (error instanceof LedgerError) return error
  const e = error as Error & {code?: string}
  return new LedgerError(
    `cannot write the ledger ${path}: ${cause(e.code, e.message ?? String(error))}. Nothing unrecorded counts as done; ` +
      'free space (or fix the disk), then resume.',
    e.code,
  )
}

/** Whether an error is the ledger refusing a write, as opposed to a bug. */
export function isLedgerError(error: unknown): error is LedgerError {
  return error instanceof LedgerError
}
