import {isUtf8} from 'node:buffer'
import type {Frame} from './record-framer.js'

const REPLACEMENT_CHARACTER = '\uFFFD'

export const INVALID_UTF8_MESSAGE = 'not valid UTF-8 (is the file in another encoding, such as Latin-1 or Windows-1252?)'

/** Decoding replaces bad bytes with U+FFFD; only then is the exact (slower) check worth running. */
export function hasInvalidUtf8(frame: Frame, text: string): boolean {
  return text.includes(REPLACEMENT_CHARACTER) && !isUtf8(frame.buf.subarray(frame.start, frame.end))
}

export function utf16Message(kind: string): string {
  return `the file is ${kind}, not UTF-8: convert it first, e.g. iconv -f ${kind} -t UTF-8 input > input-utf8`
}

/**
 * The raw text of an invalid_utf8 record: its bytes one character each (latin1), so that the retry
 * file can write back the very bytes that were read (decoding as UTF-8 would turn them into U+FFFD).
 */
export function rawBytesText(frame: Frame): string {
  return frame.buf.toString('latin1', frame.start, frame.end)
}
