import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, describe, expect, it} from 'vitest'

import {parseJson, runCli, tempDir} from '../helpers/cli.js'

/**
 * The bad-input corpus (test/fixtures-bad, manifest in expected.json) through the real `validate`
 * command as a child process: each file gives the right exit code and the right reason on the right
 * line, in the report and in the rejects file, and never a stack trace.
 */
const corpus = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures-bad')
const manifest = JSON.parse(readFileSync(join(corpus, 'expected.json'), 'utf8')) as Record<string, Expected>

interface ExpectedRecord {
  line: number
  fields?: Record<string, unknown>
  rule?: string
  message?: string
  messageStartsWith?: string
  truncated?: boolean
}
interface Expected {
  columns?: string[]
  records?: ExpectedRecord[]
  error?: {rule: string; line?: number; message?: string}
  openError?: {rule: string; line?: number; message?: string}
}

/** What the people mapping makes of a row the reader parsed: valid with an identifier, else identifier_missing. */
function expectedOutcome(record: ExpectedRecord): {rule: string; message?: string; prefix?: string} | null {
  if (record.rule) {
    const message = record.truncated ? `${record.message} (only the row's first bytes are kept here)` : record.message
    return {rule: record.rule, message, prefix: record.messageStartsWith}
  }
  const fields = record.fields ?? {}
  const hasIdentifier = ['id', 'email', 'cio_id'].some((k) => typeof fields[k] === 'string' && (fields[k] as string).trim() !== '')
  return hasIdentifier ? null : {rule: 'identifier_missing'}
}

const work = tempDir('validate-corpus-')
afterAll(() => work.cleanup())

function noStack(text: string): void {
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/)
  expect(text).not.toContain('node:internal')
}

describe.concurrent('validate: bad-input corpus through the CLI', () => {
  for (const [name, expected] of Object.entries(manifest)) {
    it(name, async () => {
      const input = join(corpus, name)
      const rejects = join(work.path, `${name}.rejects`)
      const result = await runCli(['validate', input, '--type', 'people', '--json', '--rejects-file', rejects])
      noStack(result.stdout + result.stderr)
      const report = parseJson(result.stdout)
      const file = report.files[0]

      const fileError = expected.openError ?? expected.error
      if (fileError) {
        expect(result.code).toBe(2)
        expect(file.error.rule).toBe(fileError.rule)
        if (fileError.message) expect(file.error.message).toBe(fileError.message.replace(name, input))
      } else if (name === 'no-identifier.csv') {
        // The reader is happy; the mapping's header check stops the file once instead of failing every row.
        expect(result.code).toBe(2)
        expect(file.error.rule).toBe('identifier_column_missing')
        expect(file.error.message).toMatch(/^.*no-identifier\.csv line 1: no identifier column: the header needs one of 'id', 'email', 'cio_id'/)
        return
      } else {
        expect(file.error).toBeNull()
      }

      const records = expected.records ?? []
      const outcomes = records.map((r) => ({line: r.line, outcome: expectedOutcome(r)}))
      const invalid = outcomes.filter((o) => o.outcome !== null)
      expect(file.rows).toEqual({read: records.length, valid: records.length - invalid.length, invalid: invalid.length})
      if (!fileError) expect(result.code).toBe(invalid.length > 0 ? 1 : 0)

      const examples = new Map<number, {rule: string; message: string}>()
      for (const rule of report.invalidByRule) for (const e of rule.examples) examples.set(e.line, {rule: rule.rule, message: e.message})
      for (const {line, outcome} of invalid) {
        const got = examples.get(line)
        expect(got, `line ${line}`).toBeDefined()
        expect(got!.rule).toBe(outcome!.rule)
        if (outcome!.message) expect(got!.message).toBe(outcome!.message)
        if (outcome!.prefix) expect(got!.message.startsWith(outcome!.prefix)).toBe(true)
      }
      expect(examples.size).toBe(invalid.length)

      if (invalid.length === 0) {
        expect(file.rejectsFile).toBeNull()
        return
      }
      // The rejects file holds exactly the invalid rows, each with its line and reason.
      expect(file.rejectsFile).toBe(rejects)
      const lines = readFileSync(rejects, 'utf8').trimEnd().split('\n')
      if (file.format === 'ndjson') {
        const rows = lines.map((l) => JSON.parse(l))
        expect(rows.map((r) => r._line)).toEqual(invalid.map((o) => o.line))
        expect(rows.map((r) => r._error)).toEqual(invalid.map((o) => `${o.outcome!.rule}: ${examples.get(o.line)!.message}`))
      } else {
        expect(lines[0]).toMatch(/,_line,_error$/)
        const text = lines.slice(1).join('\n')
        for (const {line} of invalid) expect(text).toContain(`,${line},`)
      }
    })
  }
})

describe('validate: human output and exit codes', () => {
  it('names the line and the rule for each invalid row and exits 1', async () => {
    const input = join(corpus, 'ragged-rows.csv')
    const result = await runCli(['validate', input, '--type', 'people', '--rejects-file', join(work.path, 'ragged.csv')])
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('csv_column_count: 2')
    expect(result.stdout).toContain('line 3: expected 3 columns, found 4')
    expect(result.stdout).toContain('line 4: expected 3 columns, found 2')
    expect(result.stdout).toContain('Result: 2 invalid rows (exit 1)')
    noStack(result.stdout + result.stderr)
  })

  it('an empty file is unreadable input: exit 2 with the file and the rule, no stack', async () => {
    const input = join(corpus, 'empty.csv')
    const result = await runCli(['validate', input, '--type', 'people'], {cwd: work.path})
    expect(result.code).toBe(2)
    expect(result.stdout).toContain(`error: ${input}: file is empty (rule: empty_file)`)
    noStack(result.stdout + result.stderr)
  })

  it('a missing file, a bad mapping and bad flags exit 2 without a stack', async () => {
    const missing = await runCli(['validate', join(work.path, 'nope.csv'), '--type', 'people'], {cwd: work.path})
    expect(missing.code).toBe(2)
    expect(missing.stdout).toContain('no such file (rule: file_not_found)')
    const mapping = await runCli(['validate', join(corpus, 'bom.csv'), '--type', 'people', '--mapping', join(work.path, 'absent.json')])
    expect(mapping.code).toBe(2)
    expect(mapping.stderr).toContain('mapping file')
    const flags = await runCli(['validate', join(corpus, 'bom.csv'), '--type', 'users'])
    expect(flags.code).toBe(2)
    for (const r of [missing, mapping, flags]) noStack(r.stdout + r.stderr)
  })

  it('the default rejects file is <input>.rejects.<ext> in the current directory', async () => {
    const result = await runCli(['validate', join(corpus, 'ndjson-bad.ndjson'), '--type', 'people', '--json'], {cwd: work.path})
    expect(result.code).toBe(1)
    expect(parseJson(result.stdout).files[0].rejectsFile).toBe(join(work.path, 'ndjson-bad.rejects.ndjson'))
    expect(readFileSync(join(work.path, 'ndjson-bad.rejects.ndjson'), 'utf8')).toContain('"_line":7')
  })
})
