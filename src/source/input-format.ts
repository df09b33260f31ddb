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

/**
 * 'UTF-16LE' / 'UTF-16BE' when the input starts like UTF-16 text: its byte order mark, or an ASCII
 * character next to a NUL byte (which UTF-8 text never has); else null.
 */
export function utf16Kind(head: Buffer): 'UTF-16LE' | 'UTF-16BE' | null {
  if (head.length < 2) return null
  const [a, b] = head
  if ((a === 0xff && b === 0xfe) || (a !== 0 && a < 0x80 && b === 0)) return 'UTF-16LE'
  if ((a === 0xfe && b === 0xff) || (a === 0 && b !== 0 && b < 0x80)) return 'UTF-16BE'
  return null
}
