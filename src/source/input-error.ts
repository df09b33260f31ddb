/**
 * A problem with an input as a whole (missing, unreadable, empty, bad header, a quote that never
 * closes...). Its message is meant for the user as is: file, line when known, what is wrong, and the
 * rule code, e.g. "people.csv line 1: duplicate column name 'email' (rule: csv_duplicate_header)".
 */
export class InputError extends Error {
  override readonly name = 'InputError'

  constructor(
    readonly file: string,
    readonly rule: string,
    /** What is wrong, without the file/line prefix and rule suffix. */
    readonly reason: string,
    readonly line?: number,
  ) {
    super(`${displayName(file)}${line === undefined ? ':' : ` line ${line}:`} ${reason} (rule: ${rule})`)
  }
}

function displayName(file: string): string {
  return file === '-' ? 'stdin' : file
}

/** Turns an I/O or zlib error into an InputError; anything already an InputError passes through. */
export function toInputError(error: unknown, file: string): InputError {
  if (error instanceof InputError) return error
  const err = error as NodeJS.ErrnoException
  switch (err?.code) {
    case 'ENOENT':
      return new InputError(file, 'file_not_found', 'no such file')
    case 'EISDIR':
      return new InputError(file, 'file_unreadable', 'is a directory, not a file')
    case 'EACCES':
    case 'EPERM':
      return new InputError(file, 'file_unreadable', 'permission denied')
    case 'Z_DATA_ERROR':
    case 'Z_BUF_ERROR':
    case 'Z_STREAM_ERROR':
    case 'Z_NEED_DICT':
      return new InputError(file, 'gzip_invalid', `not valid gzip data: ${err.message}`)
    default:
      return new InputError(file, 'file_unreadable', `cannot be read: ${err?.message ?? String(error)}`)
  }
}
