import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'
import {parse} from 'csv-parse/sync'
import {stringify} from 'csv-stringify/sync'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {InputError, openSource, type SourceRecord} from '../../src/source/index.js'
import {RecordFramer, type Frame} from '../../src/source/record-framer.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'source-csv-'))
})
afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

async function readAll(path: string, options = {}): Promise<SourceRecord[]> {
  const source = await openSource(path, options)
  const records: SourceRecord[] = []
  for await (const record of source.records()) records.push(record)
  return records
}

/** Deterministic pseudo-random numbers, so a failure can be replayed. */
function prng(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff
    return state / 0x7fffffff
  }
}

const PIECES = ['a', 'Zoë', '日本', ',', '"', '\n', '\r\n', ' ', '00123', 'x'.repeat(40), '""', "'"]

function randomCell(random: () => number): string {
  let cell = ''
  const pieces = Math.floor(random() * 6)
  for (let i = 0; i < pieces; i++) cell += PIECES[Math.floor(random() * PIECES.length)]
  return cell
}

describe('CSV reading', () => {
  for (const recordDelimiter of ['unix', 'windows'] as const) {
    it(`gives csv-parse's cells and exact start lines on random quoted data (${recordDelimiter} line ends, several read chunks)`, async () => {
      const random = prng(recordDelimiter === 'unix' ? 7 : 11)
      const columns = ['id', 'name', 'note', 'tags']
      const rows = Array.from({length: 6000}, () => columns.map(() => randomCell(random)))
      // A row of empty cells would be a blank line, which both readers skip.
      rows.forEach((row, index) => (row[0] = `r${index}`))
      // Quote any cell with a line break: csv-stringify leaves a bare LF unquoted in a CRLF file.
      const options = {record_delimiter: recordDelimiter, quoted_match: /[\r\n]/}
      const text = stringify([columns, ...rows], options)
      const path = join(dir, `random-${recordDelimiter}.csv`)
      await writeFile(path, text)
      expect(Buffer.byteLength(text)).toBeGreaterThan(300 * 1024)

      // Start lines counted independently: an editor's line numbers (LF ends a line, CRLF is one break).
      // csv-parse's info.lines can't serve: it counts the CR of a CRLF inside a quoted field as a line too.
      const expectedLines: number[] = []
      let line = 1 + (stringify([columns], options).match(/\n/g)?.length ?? 0)
      for (const row of rows) {
        expectedLines.push(line)
        line += stringify([row], options).match(/\n/g)?.length ?? 0
      }
      const oracle = parse(text, {columns: true}) as Record<string, string>[]
      const records = await readAll(path)
      expect(records.length).toBe(oracle.length)
      const bytes = Buffer.from(text)
      records.forEach((record, index) => {
        expect(record.error).toBeUndefined()
        expect(record.fields).toEqual(oracle[index])
        expect(record.line).toBe(expectedLines[index])
        expect(record.nextLine).toBe(expectedLines[index + 1] ?? line)
        expect(bytes.subarray(record.offset, record.nextOffset).toString().replace(/\r?\n$/, '')).toBe(record.raw)
      })
    })
  }

  it('keeps cells as written: no casting, no trimming', async () => {
    const path = join(dir, 'strings.csv')
    await writeFile(path, 'id,zip,phone,flag,empty\n00123,02139,+15551234567,true,\n')
    const [record] = await readAll(path)
    expect(record.fields).toEqual({id: '00123', zip: '02139', phone: '+15551234567', flag: 'true', empty: ''})
  })

  it('stores a column named __proto__ as a property', async () => {
    const path = join(dir, 'proto.csv')
    await writeFile(path, 'id,__proto__\n1,x\n')
    const [record] = await readAll(path)
    expect(Object.getPrototypeOf(record.fields)).toBe(Object.prototype)
    expect(Object.entries(record.fields!)).toEqual([['id', '1'], ['__proto__', 'x']])
  })

  it('reports a record over the size guard and stays in step for the next ones', async () => {
    const path = join(dir, 'large.csv')
    const big = 'y'.repeat(5000)
    await writeFile(path, `id,bio\n1,short\n2,"${big}\n${big}"\n3,${big}\n4,after\n`)
    const records = await readAll(path, {maxRecordBytes: 1000})
    expect(records.map((record) => [record.line, record.error?.rule ?? 'ok', record.truncated ?? false])).toEqual([
      [2, 'ok', false],
      [3, 'csv_record_too_large', true],
      [5, 'csv_record_too_large', true],
      [6, 'ok', false],
    ])
    expect(records[1].raw).toBe(`2,"${'y'.repeat(997)}`)
    expect(records[1].error?.message).toBe('record is 10005 bytes, over the 1000-byte limit (only its start is kept)')
    expect(records[3].fields).toEqual({id: '4', bio: 'after'})
  })

  for (const gzip of [false, true]) {
    it(`an unclosed quote that runs megabytes to the end is one invalid row; the rows after it are read (${gzip ? 'gzip' : 'plain'})`, async () => {
      const path = join(dir, gzip ? 'runaway.csv.gz' : 'runaway.csv')
      const rows = Array.from({length: 60_000}, (_, i) => `${i + 4},row ${i}`).join('\r\n')
      const text = `id,name\r\n1,ok\r\n2,"runaway, ""still"" open\r\n${rows}\r\n`
      await writeFile(path, gzip ? gzipSync(text) : text)
      const records = await readAll(path)
      expect(records).toHaveLength(60_002)
      expect(records[1]).toMatchObject({
        line: 3,
        nextLine: 4,
        raw: '2,"runaway, ""still"" open',
        error: {rule: 'csv_unclosed_quote', message: 'the quote opened on line 3 is never closed; reading goes on with the next line'},
      })
      expect(records[1].nextOffset).toBe(records[2].offset)
      expect(records[2]).toMatchObject({line: 4, fields: {id: '4', name: 'row 0'}})
      expect(records.at(-1)).toMatchObject({line: 60_003, fields: {id: '60003', name: 'row 59999'}})
      // Resuming just after the broken row reads the same rows.
      const resumed = await openSource(path, {startOffset: records[1].nextOffset, startLine: 4})
      let count = 0
      for await (const record of resumed.records()) if (record.fields !== null) count++
      expect(count).toBe(60_000)
    })
  }

  it('reads a last record that has no line break', async () => {
    const path = join(dir, 'no-final-newline.csv')
    await writeFile(path, 'id,name\n1,a\n2,"b\nc"')
    const records = await readAll(path)
    expect(records.map((record) => [record.line, record.fields, record.nextOffset])).toEqual([
      [2, {id: '1', name: 'a'}, 12],
      [3, {id: '2', name: 'b\nc'}, 19],
    ])
  })
})

/** Frames of `bytes` pushed in chunks of `size` bytes, as plain data. */
function framesOf(bytes: Buffer, size: number, quoteAware: boolean, maxBytes: number): unknown[] {
  const framer = new RecordFramer(quoteAware, maxBytes, 0)
  const out: unknown[] = []
  const take = (frame: Frame) => ({
    text: frame.buf.toString('utf8', frame.start, frame.end),
    offset: frame.offset,
    nextOffset: frame.nextOffset,
    size: frame.size,
    lines: frame.lines,
    hasQuote: frame.hasQuote,
    truncated: frame.truncated,
  })
  for (let at = 0; at < bytes.length; at += size) {
    framer.push(bytes.subarray(at, at + size))
    let frame
    while ((frame = framer.next()) !== null) out.push(take(frame))
  }
  const {frame, end} = framer.finish()
  if (frame) out.push(take(frame))
  out.push(end)
  return out
}

describe('record framer', () => {
  const tricky = Buffer.from(
    'a,b\r\n"x,""y""\r\nz",w\n\n1,O"Brien\n"q"r,s\n"日本\n語",é\n' +
      '"' + 'long '.repeat(30) + '\n' + 'tail '.repeat(10) + '",end\n' + 'plain,' + 'v'.repeat(90) + '\nlast,"open\nnever',
  )

  for (const maxBytes of [1 << 20, 64]) {
    it(`finds the same records whatever the chunk size (maxBytes ${maxBytes})`, () => {
      const whole = framesOf(tricky, tricky.length, true, maxBytes)
      expect(whole.at(-1)).toMatchObject({kind: 'unclosed_quote', lineDelta: 0})
      for (let size = 1; size <= 17; size++) expect(framesOf(tricky, size, true, maxBytes)).toEqual(whole)
    })
  }

  it('counts the lines of a record spanning several chunks', () => {
    const frames = framesOf(Buffer.from('"a\nb\nc",d\ne\n'), 2, true, 1 << 20) as {lines: number; text: string}[]
    expect(frames.slice(0, 2).map((frame) => [frame.text, frame.lines])).toEqual([['"a\nb\nc",d', 3], ['e', 1]])
  })

  it('names the line where an unclosed quote opened, not where its record starts', () => {
    const frames = framesOf(Buffer.from('1,"a\nb","c\nd\ne\n'), 3, true, 1 << 20)
    expect(frames.at(-1)).toEqual({kind: 'unclosed_quote', lineDelta: 1, recordOffset: 0, quoteOffset: 8})
  })
})
