import {randomBytes} from 'node:crypto'

/**
 * An NDJSON number whose digits a JavaScript number cannot hold (an integer beyond 2^53, or 16+
 * digits in a row that do not survive a round trip): `9007199254740993` and `9007199254740992` are
 * two different ids. The text is kept as written; stringifyExact() writes it back as a JSON number.
 */
export class JsonNumber {
  constructor(readonly text: string) {}

  toString(): string {
    return this.text
  }

  /** For arithmetic comparisons only; it rounds. */
  valueOf(): number {
    return Number(this.text)
  }

  /** JSON.stringify cannot emit raw text on Node 20 (no JSON.rawJSON): a marker that stringifyExact unwraps. */
  toJSON(): string {
    return MARKER + this.text
  }
}

/** NUL plus a per-process nonce: no value in a user's file can be mistaken for the marker. */
const NONCE = randomBytes(6).toString('hex')
const MARKER = `\u0000${NONCE}:`
/** How the marker looks inside JSON text: JSON.stringify escapes NUL as \u0000. */
const MARKER_IN_JSON = `"\\u0000${NONCE}:`
const MARKED_NUMBER = new RegExp(`"\\\\u0000${NONCE}:(-?[0-9][0-9.eE+-]*)"`, 'g')

/** JSON.stringify, except that JsonNumbers are written as JSON numbers with their digits as read. */
export function stringifyExact(value: unknown): string {
  const json = JSON.stringify(value)
  return json === undefined || !json.includes(MARKER_IN_JSON) ? json : json.replace(MARKED_NUMBER, '$1')
}

/** The text of a number that must keep its digits: NDJSON's big numbers are JsonNumbers. */
export function isJsonNumber(value: unknown): value is JsonNumber {
  return value instanceof JsonNumber
}
