import {readFile} from 'node:fs/promises'
import {Errors} from '@oclif/core'

import {ExitCode} from './exit-codes.js'

/**
 * A suppression list for the emulator: one identifier a line (an id, an email, or `cio_…`); blank
 * lines and lines starting with # are skipped. An export of a workspace's suppressed people fits.
 */
export async function readSuppressionList(path: string, flag: string): Promise<string[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new Errors.CLIError(`${flag} ${path}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {exit: ExitCode.Usage})
  }

  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
}
