import {readFileSync} from 'node:fs'
import {gunzipSync} from 'node:zlib'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {InputError, openSource, type SourceRecord} from '../../src/source/index.js'

const corpus = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures-bad')

interface ExpectedRecord {
  line: number
  fields?: Record<string, unknown>
  rule?: string
  message?: string
  messageStartsWith?: string
  truncated?: boolean
}
interface ExpectedError {
  rule: string
  line?: number
  message?: string
}
interface Expected {
  columns?: string[]
  header?: string
  records?: ExpectedRecord[]
  error?: ExpectedError
  openError?: ExpectedError
}

const manifest = JSON.parse(readFileSync(join(corpus, 'expected.json'), 'utf8')) as Record<string, Expected>

function expectInputError(error: unknown, expected: ExpectedError, path: string, name: string): void {
  expect(error).toBeInstanceOf(InputError)
  const inputError = error as InputError
  expect(inputError.rule).toBe(expected.rule)
  expect(inputError.line).toBe(expected.line)
  expect(inputError.file).toBe(path)
  if (expected.message) expect(inputError.message).toBe(expected.message.replace(name, path))
  expect(inputError.message).toContain(`(rule: ${expected.rule})`)
  expect(inputError.message).not.toMatch(/\n\s+at /)
}

/** The bytes of the input as the reader sees them (decompressed). */
function contentOf(path: string): Buffer {
  const bytes = readFileSync(path)
  return path.endsWith('.gz') ? gunzipSync(bytes) : bytes
}

describe('bad-input corpus (test/fixtures-bad/expected.json)', () => {
  for (const [name, expected] of Object.entries(manifest)) {
    it(name, async () => {
      const path = join(corpus, name)
      if (expected.openError) {
        const failure = await openSource(path).then(
          () => null,
          (error: unknown) => error,
        )
        expectInputError(failure, expected.openError, path, name)
        return
      }
      const source = await openSource(path)
      if (expected.columns) expect(source.columns).toEqual(expected.columns)
      if (expected.header) expect(source.header).toBe(expected.header)
      const records: SourceRecord[] = []
      let failure: unknown = null
      try {
        for await (const record of source.records()) records.push(record)
      } catch (error) {
        failure = error
      }
      if (expected.error) expectInputError(failure, expected.error, path, name)
      else expect(failure).toBeNull()

      expect(records.map((record) => record.line)).toEqual(expected.records!.map((record) => record.line))
      const content = contentOf(path)
      records.forEach((record, index) => {
        const want = expected.records![index]
        if (want.fields) {
          expect(record.error).toBeUndefined()
          expect(record.fields).toEqual(want.fields)
        } else {
          expect(record.fields).toBeNull()
          expect(record.error?.rule).toBe(want.rule)
          if (want.message) expect(record.error?.message).toBe(want.message)
          if (want.messageStartsWith) expect(record.error?.message.startsWith(want.messageStartsWith)).toBe(true)
        }
        expect(record.truncated).toBe(want.truncated ? true : undefined)
        // raw is the record's text as read, and offset..nextOffset spans exactly it plus its line break.
        const span = content.subarray(record.offset, record.nextOffset)
        // An invalid_utf8 record's raw holds its bytes one character each, so they can be written back.
        const encoding = record.error?.rule === 'invalid_utf8' ? 'latin1' : 'utf8'
        if (record.truncated) expect(span.toString(encoding).startsWith(record.raw)).toBe(true)
        else expect(span.toString(encoding).replace(/\r?\n$/, '')).toBe(record.raw)
        if (index > 0) expect(record.line).toBeGreaterThanOrEqual(records[index - 1].nextLine!)
      })
    })
  }
})
