import {isUtf8} from 'node:buffer'
import type {Frame} from './record-framer.js'

const REPLACEMENT_CHARACTER = '\uFFFD'

export const INVALID_UTF8_MESSAGE = 'not valid UTF-8 (is the file in another encoding, such as Latin-1 or Windows-1252?)'

/** Decoding replaces bad bytes with U+FFFD; only then is the exact (slower) check worth running. */
export function hasInvalidUtf8(frame: Frame, text: string): boolean {
  return text.includes(REPLACEMENT_CHARACTER) && !isUtf8(frame.buf.subarray(frame.start, frame.end))
}
