import {JsonNumber} from './json-number.js'

/**
 * How deep a JSON value may nest. serde_json's default recursion limit; real rows nest a few levels.
 * Far deeper values (5,000 levels) overflow the stack in JSON.stringify, which would stop the file.
 */
export const MAX_JSON_DEPTH = 128

const OPEN_BRACE = 0x7b
const OPEN_BRACKET = 0x5b
const CLOSE_BRACE = 0x7d
const CLOSE_BRACKET = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c

function countOf(text: string, char: string, enough: number): number {
  let count = 0
  for (let at = text.indexOf(char); at !== -1 && count < enough; at = text.indexOf(char, at + 1)) count++
  return count
}

/**
 * The nesting depth of JSON text when it is over `max`, else 0. Cheap on ordinary rows: a value that
 * nests `max` levels needs `max` opening brackets, so a short line, or one with few brackets, is
 * not scanned at all.
 */
export function jsonDepthOver(text: string, max = MAX_JSON_DEPTH): number {
  if (text.length <= 2 * max) return 0
  if (countOf(text, '{', max + 1) + countOf(text, '[', max + 1) <= max) return 0
  let depth = 0
  let deepest = 0
  let inString = false
  for (let at = 0; at < text.length; at++) {
    const c = text.charCodeAt(at)
    if (inString) {
      if (c === BACKSLASH) at++
      else if (c === QUOTE) inString = false
    } else if (c === QUOTE) inString = true
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > deepest) deepest = depth
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--
  }
  return deepest > max ? deepest : 0
}

/** A run of this many digits is the only place JSON.parse can lose a number's digits (2^53 has 16). */
const LONG_RUN = 16

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

/**
 * Whether JSON.parse may round a number in this text (then parseExact keeps its digits): whether it
 * has a run of 16 digits. Any 16 consecutive characters include exactly one index divisible by 16,
 * so only those characters are looked at first: a fifth of the cost of /\d{16}/ on a typical line.
 */
export function mayLoseDigits(text: string): boolean {
  const length = text.length
  for (let at = 0; at < length; at += LONG_RUN) {
    if (!isDigit(text.charCodeAt(at))) continue
    let from = at
    while (from > 0 && isDigit(text.charCodeAt(from - 1))) from--
    let to = at + 1
    while (to < length && isDigit(text.charCodeAt(to))) to++
    if (to - from >= LONG_RUN) return true
  }
  return false
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y

export interface ExactParseOptions {
  /** Called for each key that an object already had (JSON.parse keeps the last silently). */
  onDuplicateKey?: (key: string) => void
}

/**
 * Parses JSON text like JSON.parse (last duplicate key wins, "__proto__" is data), except that a
 * number whose digits a double cannot hold becomes a JsonNumber with its text as written. The text
 * must be valid JSON nested at most MAX_JSON_DEPTH deep: callers run JSON.parse and jsonDepthOver
 * first, so this slower parser only sees the rare rows that need it.
 */
export function parseExact(text: string, options: ExactParseOptions = {}): unknown {
  let at = 0
  const onDuplicate = options.onDuplicateKey

  const fail = (): never => {
    throw new SyntaxError(`unexpected character at position ${at}`)
  }

  const skipSpace = (): void => {
    for (;;) {
      const c = text.charCodeAt(at)
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) at++
      else return
    }
  }

  const readString = (): string => {
    const start = at
    let from = at + 1
    for (;;) {
      const quote = text.indexOf('"', from)
      if (quote === -1) fail()
      let slashes = 0
      while (text.charCodeAt(quote - 1 - slashes) === BACKSLASH) slashes++
      from = quote + 1
      if (slashes % 2 === 0) break
    }
    at = from
    const body = text.slice(start + 1, from - 1)
    return body.includes('\\') ? (JSON.parse(text.slice(start, from)) as string) : body
  }

  const readNumber = (): number | JsonNumber => {
    NUMBER.lastIndex = at
    const match = NUMBER.exec(text)
    if (match === null || match[0] === '') return fail()
    const token = match[0]
    at += token.length
    const value = Number(token)
    return token.length >= 16 && String(value) !== token ? new JsonNumber(token) : value
  }

  const expectWord = (word: string, value: boolean | null): boolean | null => {
    if (!text.startsWith(word, at)) fail()
    at += word.length
    return value
  }

  const readValue = (depth: number): unknown => {
    if (depth > MAX_JSON_DEPTH) throw new RangeError(`JSON nests deeper than ${MAX_JSON_DEPTH} levels`)
    skipSpace()
    const c = text.charCodeAt(at)
    if (c === OPEN_BRACE) return readObject(depth)
    if (c === OPEN_BRACKET) return readArray(depth)
    if (c === QUOTE) return readString()
    if (c === 0x74) return expectWord('true', true)
    if (c === 0x66) return expectWord('false', false)
    if (c === 0x6e) return expectWord('null', null)
    return readNumber()
  }

  const readObject = (depth: number): Record<string, unknown> => {
    const object: Record<string, unknown> = {}
    at++
    skipSpace()
    if (text.charCodeAt(at) === CLOSE_BRACE) {
      at++
      return object
    }
    for (;;) {
      skipSpace()
      if (text.charCodeAt(at) !== QUOTE) fail()
      const key = readString()
      skipSpace()
      if (text.charCodeAt(at) !== 0x3a) fail()
      at++
      const value = readValue(depth + 1)
      if (onDuplicate !== undefined && Object.hasOwn(object, key)) onDuplicate(key)
      if (key === '__proto__') Object.defineProperty(object, key, {value, enumerable: true, writable: true, configurable: true})
      else object[key] = value
      skipSpace()
      const next = text.charCodeAt(at++)
      if (next === CLOSE_BRACE) return object
      if (next !== 0x2c) fail()
    }
  }

  const readArray = (depth: number): unknown[] => {
    const array: unknown[] = []
    at++
    skipSpace()
    if (text.charCodeAt(at) === CLOSE_BRACKET) {
      at++
      return array
    }
    for (;;) {
      array.push(readValue(depth + 1))
      skipSpace()
      const next = text.charCodeAt(at++)
      if (next === CLOSE_BRACKET) return array
      if (next !== 0x2c) fail()
    }
  }

  const value = readValue(0)
  skipSpace()
  if (at !== text.length) fail()
  return value
}

/**
 * Keys that occur twice in one object of the JSON text (JSON.parse keeps the last one silently).
 * A quick count first: every key ends in `"` and `:`, so when there are no more such pairs than keys
 * in the parsed value, no key can repeat and the text is not parsed again.
 */
export function duplicateKeys(text: string, parsed: unknown): string[] {
  let colons = 0
  for (let at = text.indexOf(':'); at !== -1; at = text.indexOf(':', at + 1)) colons++
  if (colons <= keyCount(parsed)) return []
  const keys: string[] = []
  parseExact(text, {onDuplicateKey: (key) => keys.push(key)})
  return keys
}

function keyCount(value: unknown): number {
  if (typeof value !== 'object' || value === null || value instanceof JsonNumber) return 0
  let count = 0
  if (Array.isArray(value)) {
    for (const item of value) count += keyCount(item)
    return count
  }
  for (const key in value) count += 1 + keyCount((value as Record<string, unknown>)[key])
  return count
}

/**
 * JSON text from a cell (a CSV `json` column, an events `data` column): JSON.parse with the same
 * depth limit and exact big numbers as NDJSON lines. Throws SyntaxError, or RangeError when too deep.
 */
export function parseJsonCell(text: string): unknown {
  const depth = jsonDepthOver(text)
  if (depth > 0) throw new RangeError(`the JSON nests ${depth} levels deep, over the limit of ${MAX_JSON_DEPTH}`)
  const value: unknown = JSON.parse(text)
  return mayLoseDigits(text) ? parseExact(text) : value
}
