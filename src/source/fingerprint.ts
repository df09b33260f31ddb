import {createHash} from 'node:crypto'
import {open} from 'node:fs/promises'
import {InputError, toInputError} from './input-error.js'
import type {InputFingerprint} from './types.js'

const HEAD_BYTES = 64 * 1024

/** Size, mtime and a hash of the first 64 KiB: cheap on any size, and enough to refuse resuming onto another file. */
export async function fingerprintInput(path: string): Promise<InputFingerprint> {
  if (path === '-') throw new InputError(path, 'not_a_file', 'standard input has no fingerprint, so a run reading it cannot be resumed')
  try {
    const handle = await open(path, 'r')
    try {
      const info = await handle.stat()
      if (info.isDirectory()) throw new InputError(path, 'file_unreadable', 'is a directory, not a file')
      const head = Buffer.alloc(Math.min(HEAD_BYTES, info.size))
      const {bytesRead} = await handle.read(head, 0, head.length, 0)
      const headHash = createHash('sha256').update(head.subarray(0, bytesRead)).digest('hex')
      return {size: info.size, mtimeMs: info.mtimeMs, headHash}
    } finally {
      await handle.close()
    }
  } catch (error) {
    throw toInputError(error, path)
  }
}
