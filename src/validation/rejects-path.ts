import {constants} from 'node:fs'
import {access} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'

import {formatFromName, InputError, type InputFormat} from '../source/index.js'

/**
 * Where a file's invalid rows go: `--rejects-file` (the second and later inputs get -2, -3... before
 * the extension, as import's --retry-file does), else `<input name>.rejects.<csv|ndjson>` in the
 * current directory.
 */
export function rejectsPathFor(input: string, format: InputFormat, fileIndex: number, rejectsFile?: string): string {
  if (rejectsFile) {
    if (fileIndex === 0) return resolve(rejectsFile)
    return resolve(rejectsFile.replace(/(\.[^./\\]+)?$/, (ext) => `-${fileIndex + 1}${ext}`))
  }
  const base = input === '-' ? 'stdin' : input.split(/[\\/]/).pop()!.replace(/\.gz$/i, '').replace(/\.(csv|ndjson|jsonl|json)$/i, '')
  return resolve(`${base}.rejects.${format === 'csv' ? 'csv' : 'ndjson'}`)
}

/** A rejects file that cannot be written is a setup problem: say so before reading anything. */
export async function checkRejectsWritable(options: {inputs: string[]; format?: InputFormat; rejectsFile?: string}): Promise<void> {
  for (const [index, input] of options.inputs.entries()) {
    const format = options.format ?? (input === '-' ? 'csv' : formatFromName(input)) ?? 'csv'
    const path = rejectsPathFor(input, format, index, options.rejectsFile)
    try {
      await access(dirname(path), constants.W_OK)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error'
      throw new InputError(path, 'rejects_unwritable', `the rejects file cannot be written there (${code}); pass --rejects-file PATH`)
    }
  }
}
