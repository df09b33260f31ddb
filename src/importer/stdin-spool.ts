import {createWriteStream} from 'node:fs'
import {mkdir, open} from 'node:fs/promises'
import {join} from 'node:path'
import {pipeline} from 'node:stream/promises'

import {sniffFormat} from '../source/input-format.js'
import type {InputFormat} from '../source/types.js'

/**
 * Stdin cannot be read twice, but a run must be resumable. So piped input is first copied to a spool
 * file beside the ledger and imported from there; resume reads the spool.
 */
export async function spoolStdin(dir: string, name: string, format?: InputFormat): Promise<{path: string; format: InputFormat}> {
  await mkdir(dir, {recursive: true})
  const path = join(dir, name)
  await pipeline(process.stdin, createWriteStream(path))
  if (format) return {path, format}
  const handle = await open(path, 'r')
  try {
    const head = Buffer.alloc(4096)
    const {bytesRead} = await handle.read(head, 0, head.length, 0)
    return {path, format: sniffFormat(head.subarray(0, bytesRead))}
  } finally {
    await handle.close()
  }
}

