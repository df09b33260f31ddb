import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {InputError, openSource, type OpenOptions, type SourceRecord} from '../../src/source/index.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'source-resume-'))
})
afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

async function readAll(path: string, options: OpenOptions = {}): Promise<{records: SourceRecord[]; columns: string[] | null; seekable: boolean; bytesAtStart: number}> {
  const source = await openSource(path, options)
  const bytesAtStart = source.bytesRead()
  const records: SourceRecord[] = []
  for await (const record of source.records()) records.push(record)
  return {records, columns: source.columns, seekable: source.seekable, bytesAtStart}
}

function csvText(rows: number): string {
  let text = '\uFEFFid,name,note\r\n'
  for (let i = 1; i <= rows; i++) {
    if (i % 7 === 0) text += '\r\n'
    if (i % 5 === 0) text += `${i},"Zoë, ""${i}""","line one\r\nline two\nline three"\r\n`
    else if (i % 11 === 0) text += `${i},ragged\n`
    else text += `${i},日本 ${i},plain\n`
  }
  return text
}

function ndjsonText(rows: number): string {
  let text = '\uFEFF'
  for (let i = 1; i <= rows; i++) {
    if (i % 7 === 0) text += '\r\n'
    if (i % 11 === 0) text += `{"id": ${i}, broken\n`
    else text += JSON.stringify({id: String(i), name: `Zoë ${i}`}) + (i % 2 ? '\r\n' : '\n')
  }
  return text
}

async function expectEveryResumeReproducesTheTail(path: string, expectSeekable: boolean): Promise<void> {
  const full = await readAll(path)
  expect(full.seekable).toBe(expectSeekable)
  expect(full.records.length).toBeGreaterThan(20)
  for (let k = 0; k < full.records.length; k++) {
    const after = full.records[k]
    const resumed = await readAll(path, {startOffset: after.nextOffset, startLine: after.nextLine})
    expect(resumed.columns).toEqual(full.columns)
    expect(resumed.records).toEqual(full.records.slice(k + 1))
  }
}

describe('resume with startOffset/startLine', () => {
  it('reproduces the tail of a CSV exactly after every record (seek on a plain file)', async () => {
    const path = join(dir, 'people.csv')
    await writeFile(path, csvText(60))
    await expectEveryResumeReproducesTheTail(path, true)
  })

  it('reproduces the tail of a gzip CSV after every record (skipping decompressed bytes)', async () => {
    const path = join(dir, 'people.csv.gz')
    await writeFile(path, gzipSync(csvText(60)))
    await expectEveryResumeReproducesTheTail(path, false)
  })

  it('reproduces the tail of an NDJSON file exactly after every record', async () => {
    const path = join(dir, 'events.ndjson')
    await writeFile(path, ndjsonText(60))
    await expectEveryResumeReproducesTheTail(path, true)
  })

  it('reproduces the tail of a gzip NDJSON file after every record', async () => {
    const path = join(dir, 'events.jsonl.gz')
    await writeFile(path, gzipSync(ndjsonText(60)))
    await expectEveryResumeReproducesTheTail(path, false)
  })

  it('seeks rather than re-reading: a resumed plain file starts its byte count at the offset', async () => {
    const path = join(dir, 'large.csv')
    await writeFile(path, csvText(20_000))
    const full = await readAll(path)
    const middle = full.records[15_000]
    const resumed = await readAll(path, {startOffset: middle.nextOffset, startLine: middle.nextLine})
    expect(resumed.bytesAtStart).toBe(middle.nextOffset)
    expect(resumed.records).toEqual(full.records.slice(15_001))
  })

  it('refuses an offset past the end of the file', async () => {
    const path = join(dir, 'short.csv')
    await writeFile(path, 'id\n1\n')
    const failure = await openSource(path, {startOffset: 500, startLine: 9}).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(InputError)
    expect((failure as InputError).rule).toBe('resume_offset_beyond_end')
  })

  it('refuses a gzip input that ends before the resume offset', async () => {
    const path = join(dir, 'short.ndjson.gz')
    await writeFile(path, gzipSync('{"a":1}\n'))
    const source = await openSource(path, {startOffset: 500, startLine: 9})
    const failure = await (async () => {
      for await (const record of source.records()) void record
    })().catch((error: unknown) => error)
    expect((failure as InputError).rule).toBe('resume_offset_beyond_end')
  })
})
