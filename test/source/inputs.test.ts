import {spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {gzipSync} from 'node:zlib'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {InputError, fingerprintInput, openSource, type OpenOptions, type SourceRecord} from '../../src/source/index.js'

const here = dirname(fileURLToPath(import.meta.url))
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'source-inputs-'))
})
afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

async function readAll(path: string, options: OpenOptions = {}): Promise<SourceRecord[]> {
  const source = await openSource(path, options)
  const records: SourceRecord[] = []
  for await (const record of source.records()) records.push(record)
  return records
}

async function failureOf(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(() => null, (caught: unknown) => caught)
  expect(error).toBeInstanceOf(InputError)
  return error as InputError
}

function peopleCsv(rows: number): string {
  let text = 'id,email,note\n'
  for (let i = 1; i <= rows; i++) text += `${i},user${i}@example.com,"note ${i}, with comma"\n`
  return text
}

describe('file-level problems are InputErrors naming the file and rule', () => {
  it('missing file', async () => {
    const path = join(dir, 'missing.csv')
    const error = await failureOf(openSource(path))
    expect(error.message).toBe(`${path}: no such file (rule: file_not_found)`)
  })

  it('a directory', async () => {
    const path = join(dir, 'folder.csv')
    await mkdir(path)
    expect((await failureOf(openSource(path))).rule).toBe('file_unreadable')
  })

  it('an extension that says no format, unless the format is given', async () => {
    const path = join(dir, 'people.txt')
    await writeFile(path, 'id\n1\n')
    const error = await failureOf(openSource(path))
    expect(error.rule).toBe('unknown_format')
    expect(error.message).toContain('--format')
    expect((await readAll(path, {format: 'csv'})).map((record) => record.fields)).toEqual([{id: '1'}])
  })

  it('a corrupt gzip file fails with gzip_invalid, not a zlib stack', async () => {
    const path = join(dir, 'broken.csv.gz')
    const whole = gzipSync(peopleCsv(5000))
    await writeFile(path, whole.subarray(0, whole.length >> 1))
    const error = await failureOf(readAll(path))
    expect(error.rule).toBe('gzip_invalid')
    expect(error.message).toMatch(/^.*broken\.csv\.gz: not valid gzip data: .* \(rule: gzip_invalid\)$/)
  })

  it('a file holding only a byte order mark is empty', async () => {
    const path = join(dir, 'bom-only.ndjson')
    await writeFile(path, '\uFEFF')
    expect((await failureOf(openSource(path))).rule).toBe('empty_file')
  })
})

describe('gzip', () => {
  it('gives the same records as the plain file and counts compressed bytes', async () => {
    const text = peopleCsv(20_000)
    const plain = join(dir, 'people.csv')
    const packed = join(dir, 'people.csv.gz')
    await writeFile(plain, text)
    await writeFile(packed, gzipSync(text))
    const source = await openSource(packed)
    expect([source.compressed, source.seekable, source.totalBytes]).toEqual([true, false, (await stat(packed)).size])
    const records: SourceRecord[] = []
    for await (const record of source.records()) records.push(record)
    expect(source.bytesRead()).toBe(source.totalBytes)
    expect(records).toEqual(await readAll(plain))
  })
})

describe('backpressure and abort', () => {
  it('reads no further ahead than a chunk or two while the consumer is slow', async () => {
    const path = join(dir, 'big.csv')
    await writeFile(path, peopleCsv(300_000))
    const source = await openSource(path)
    let seen = 0
    for await (const record of source.records()) {
      if (++seen === 100) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        break
      }
      void record
    }
    expect(source.totalBytes).toBeGreaterThan(15_000_000)
    expect(source.bytesRead()).toBeLessThan(1024 * 1024)
  })

  it('an abort ends the iteration cleanly, without an error', async () => {
    const path = join(dir, 'abort.ndjson')
    await writeFile(path, Array.from({length: 50_000}, (_, i) => JSON.stringify({id: i})).join('\n'))
    const controller = new AbortController()
    const source = await openSource(path, {signal: controller.signal})
    let seen = 0
    for await (const record of source.records()) {
      void record
      if (++seen === 10) controller.abort()
    }
    expect(seen).toBe(10)
  })

  it('a signal aborted before opening rejects with an AbortError, not a misleading empty-file error', async () => {
    const path = join(dir, 'aborted.csv')
    await writeFile(path, peopleCsv(10))
    const failure = await openSource(path, {signal: AbortSignal.abort()}).catch((error: unknown) => error)
    expect((failure as Error).name).toBe('AbortError')
  })
})

/** Runs the stdin helper as a real child process; `feed` writes to its stdin. */
function runStdinChild(args: string[], feed: (stdin: NodeJS.WritableStream) => void): Promise<{lines: string[]; code: number | null; ms: number}> {
  const started = Date.now()
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'print-stdin-records.ts'), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  feed(child.stdin)
  // A child that cannot end by itself fails the test instead of hanging it.
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(killer)
      resolve({lines: out.trim().split('\n'), code, ms: Date.now() - started})
    })
  })
}

describe('stdin', () => {
  it('sniffs CSV and keeps line numbers', async () => {
    const {lines, code} = await runStdinChild([], (stdin) => stdin.end('id,name\n1,"a\nb"\n2,c\n'))
    expect(code).toBe(0)
    expect(JSON.parse(lines[0])).toEqual({format: 'csv', compressed: false, columns: ['id', 'name'], seekable: false})
    expect(lines.slice(1, -1).map((line) => JSON.parse(line).line)).toEqual([2, 4])
    expect(lines.at(-1)).toBe('END')
  })

  it('sniffs NDJSON (after a BOM and blank lines) and gzip', async () => {
    const {lines, code} = await runStdinChild([], (stdin) => stdin.end(gzipSync('\uFEFF\n  \n{"a":1}\n[2]\n')))
    expect(code).toBe(0)
    expect(JSON.parse(lines[0])).toMatchObject({format: 'ndjson', compressed: true})
    expect(lines.slice(1, -1).map((line) => [JSON.parse(line).line, JSON.parse(line).error?.rule])).toEqual([
      [3, undefined],
      [4, 'ndjson_not_object'],
    ])
  })

  it('an abort ends the read even while stdin is still open and silent', async () => {
    const {lines, code, ms} = await runStdinChild(['--abort-after-first'], (stdin) => stdin.write('{"a":1}\n'))
    expect(code).toBe(0)
    expect(lines.at(-1)).toBe('END')
    expect(ms).toBeLessThan(10_000)
  })

  it('an empty stdin is an InputError', async () => {
    const {lines, code} = await runStdinChild([], (stdin) => stdin.end())
    expect(code).toBe(2)
    expect(lines).toEqual(['ERROR stdin: file is empty (rule: empty_file)'])
  })
})

describe('fingerprintInput', () => {
  it('is size, mtime and the sha256 of the first 64 KiB, and changes with the head', async () => {
    const path = join(dir, 'fingerprint.csv')
    const text = peopleCsv(5000)
    await writeFile(path, text)
    await utimes(path, 1_700_000_000, 1_700_000_000)
    const bytes = await readFile(path)
    expect(await fingerprintInput(path)).toEqual({
      size: bytes.length,
      mtimeMs: 1_700_000_000_000,
      headHash: createHash('sha256').update(bytes.subarray(0, 64 * 1024)).digest('hex'),
    })
    await writeFile(path, text.replace('user1@', 'user9@'))
    await utimes(path, 1_700_000_000, 1_700_000_000)
    expect((await fingerprintInput(path)).headHash).not.toBe(createHash('sha256').update(bytes.subarray(0, 64 * 1024)).digest('hex'))
  })

  it('refuses stdin and missing files with InputErrors', async () => {
    expect((await failureOf(fingerprintInput('-'))).rule).toBe('not_a_file')
    expect((await failureOf(fingerprintInput(join(dir, 'nope.csv')))).rule).toBe('file_not_found')
  })
})
