import {basename} from 'node:path'
import type {InputFormat} from './types.js'

const BY_EXTENSION: Record<string, InputFormat> = {csv: 'csv', ndjson: 'ndjson', jsonl: 'ndjson'}

/** The format a file name announces (`.csv`, `.ndjson`, `.jsonl`, each optionally `.gz`), or null. */
export function formatFromName(path: string): InputFormat | null {
  let name = basename(path).toLowerCase()
  if (name.endsWith('.gz')) name = name.slice(0, -3)
  const dot = name.lastIndexOf('.')
  return dot === -1 ? null : (BY_EXTENSION[name.slice(dot + 1)] ?? null)
}

/**
 * Stdin has no name: an input whose first non-blank character is '{' is NDJSON, anything else CSV.
 * null while `head` holds only blanks.
 */
export function sniffFormat(head: Buffer): InputFormat | null {
  for (const byte of head) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === 0x0a) continue
    return byte === 0x7b ? 'ndjson' : 'csv'
  }
  return null
}

export const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf])

export function startsWithGzipMagic(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b
}
