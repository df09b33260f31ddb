import {createReadStream, createWriteStream} from 'node:fs'
import {mkdir, open} from 'node:fs/promises'
import {join} from 'node:path'
import {Transform} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {createGunzip} from 'node:zlib'

import {sniffFormat, startsWithGzipMagic} from '../source/input-format.js'
import type {InputFormat} from '../source/types.js'

async function headOf(path: string, bytes = 4096): Promise<Buffer> {
  const handle = await open(path, 'r')
  try {
    const head = Buffer.alloc(bytes)
    const {bytesRead} = await handle.read(head, 0, bytes, 0)
    return head.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/** The first decompressed bytes of a gzip file, without inflating the rest. */
async function gunzippedHeadOf(path: string): Promise<Buffer> {
  const gunzip = createReadStream(path).pipe(createGunzip())
  try {
    for await (const chunk of gunzip) return chunk as Buffer
    return Buffer.alloc(0)
  } catch {
    return Buffer.alloc(0)
  } finally {
    gunzip.destroy()
  }
}

/**
 * Stdin cannot be read twice, but a run must be resumable. So piped input is first copied to a spool
 * file beside the ledger and imported from there; resume reads the spool. The reader recognises gzip
 * by its magic bytes, so a compressed pipe works too.
 */
export async function spoolStdin(
  dir: string,
  name: string,
  format?: InputFormat,
  onBytes?: (bytes: number) => void,
): Promise<{path: string; format: InputFormat}> {
  await mkdir(dir, {recursive: true})
  const path = join(dir, name)
  let bytes = 0
  // Counts what passes, so a long pipe shows it is alive while it is being copied.
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length
      onBytes?.(bytes)
      done(null, chunk)
    },
  })
  await pipeline(process.stdin, counter, createWriteStream(path))
  if (format) return {path, format}
  let head = await headOf(path)
  if (startsWithGzipMagic(head)) head = await gunzippedHeadOf(path)
  return {path, format: sniffFormat(head) ?? 'csv'}
}
