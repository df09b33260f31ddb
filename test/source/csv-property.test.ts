import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {parse} from 'csv-parse/sync'
import fc from 'fast-check'
import {afterAll, describe, expect, it} from 'vitest'

import {openSource, type SourceRecord} from '../../src/source/index.js'

/**
 * Property tests of our own CSV reader (a byte framer) against csv-parse, the reference: generated
 * files full of quotes, doubled quotes, commas and line breaks inside quotes, CRLF or LF, a BOM, blank
 * lines, empty fields and unicode, read with chunk boundaries anywhere (reads of 1 to 64 bytes).
 */

const dir = mkdtempSync(join(tmpdir(), 'csv-property-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))
let fileNumber = 0

// Bits of cell text: every structural character, multi-byte UTF-8 (2, 3 and 4 bytes) and a bare CR.
const PIECES = ['a', 'b', ' ', 'x y', '"', '""', ',', '\n', '\r\n', '\r', 'é', '日本', '😀', '0', '-']
const cellText = fc.array(fc.constantFrom(...PIECES), {maxLength: 5}).map((parts) => parts.join(''))
const headerName = fc
  .array(fc.constantFrom('id', 'e', 'mail', ' ', 'é', '"', ',', '日', '\n'), {minLength: 1, maxLength: 3})
  .map((parts) => parts.join(''))
  .filter((name) => name !== '__proto__')

interface Cell {
  text: string
  quoted: boolean
}

/** A cell as written: quoted when it must be (or when the generator chose to), quotes doubled. */
function encode(cell: Cell): string {
  const mustQuote = /[",\r\n]/.test(cell.text)
  return mustQuote || cell.quoted ? `"${cell.text.replaceAll('"', '""')}"` : cell.text
}

const cell = fc.record({text: cellText, quoted: fc.boolean()})

interface CsvDoc {
  header: Cell[]
  rows: Array<{cells: Cell[]; blankLinesBefore: number}>
  eol: '\n' | '\r\n'
  bom: boolean
  finalEol: boolean
}

const csvDoc: fc.Arbitrary<CsvDoc> = fc.integer({min: 1, max: 4}).chain((width) =>
  fc.record({
    header: fc.uniqueArray(headerName, {minLength: width, maxLength: width}).chain((names) =>
      fc.tuple(...names.map((name) => fc.boolean().map((quoted) => ({text: name, quoted})))),
    ),
    rows: fc.array(fc.record({cells: fc.array(cell, {minLength: width, maxLength: width}), blankLinesBefore: fc.nat({max: 2})}), {maxLength: 8}),
    eol: fc.constantFrom('\n' as const, '\r\n' as const),
    bom: fc.boolean(),
    finalEol: fc.boolean(),
  }),
)

interface Written {
  bytes: Buffer
  /** Per row: its start line, or null when it is a blank line (one empty unquoted cell). */
  lines: Array<number | null>
}

function write(doc: CsvDoc, rowTexts = doc.rows.map((row) => row.cells.map(encode).join(','))): Written {
  let text = doc.header.map(encode).join(',')
  let line = 1 + (text.match(/\n/g)?.length ?? 0)
  const lines: Array<number | null> = []
  rowTexts.forEach((rowText, index) => {
    const row = doc.rows[index]
    text += doc.eol
    line += 1
    for (let blank = 0; blank < row.blankLinesBefore; blank++) {
      text += doc.eol
      line += 1
    }
    lines.push(rowText === '' ? null : line)
    text += rowText
    line += rowText.match(/\n/g)?.length ?? 0
  })
  if (doc.finalEol) text += doc.eol
  const bytes = Buffer.from(text, 'utf8')
  return {bytes: doc.bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]) : bytes, lines}
}

async function readOurs(bytes: Buffer, readChunkBytes: number): Promise<{columns: string[] | null; records: SourceRecord[]}> {
  const path = join(dir, `case-${fileNumber++}.csv`)
  writeFileSync(path, bytes)
  const source = await openSource(path, {readChunkBytes})
  const records: SourceRecord[] = []
  for await (const record of source.records()) records.push(record)
  rmSync(path)
  return {columns: source.columns, records}
}

/** CSV_PROPERTY_RUNS=5000 for a longer search. */
const NUM_RUNS = Number(process.env.CSV_PROPERTY_RUNS ?? 300)

describe('CSV reader against csv-parse (property-based)', () => {
  it('well-formed CSV: the same columns, records and fields as csv-parse, each record on its start line, for any chunk size', async () => {
    await fc.assert(
      fc.asyncProperty(csvDoc, fc.integer({min: 1, max: 64}), async (doc, chunk) => {
        const {bytes, lines} = write(doc)
        const ours = await readOurs(bytes, chunk)
        // skip_empty_lines: blank lines hold no record in our reader (they are counted, not read).
        const oracle = parse(bytes, {columns: true, bom: true, skip_empty_lines: true}) as Array<Record<string, string>>
        const oracleHeader = parse(bytes, {bom: true, to_line: 1 + (doc.header.map(encode).join(',').match(/\n/g)?.length ?? 0)})[0] as string[]
        expect(ours.columns).toEqual(oracleHeader)
        expect(ours.records.map((r) => r.error)).toEqual(ours.records.map(() => undefined))
        expect(ours.records.map((r) => r.fields)).toEqual(oracle)
        expect(ours.records.map((r) => r.line)).toEqual(lines.filter((l) => l !== null))
      }),
      {numRuns: NUM_RUNS},
    )
  })

  const defects = ['stray_quote', 'text_after_quote', 'extra_cell', 'missing_cell', 'unclosed_quote'] as const
  const expectedRule: Record<(typeof defects)[number], string> = {
    stray_quote: 'csv_quote',
    text_after_quote: 'csv_quote',
    extra_cell: 'csv_column_count',
    missing_cell: 'csv_column_count',
    unclosed_quote: 'csv_unclosed_quote',
  }

  it('malformed CSV: the broken row is reported with its rule and line, every other row reads as written', async () => {
    await fc.assert(
      fc.asyncProperty(csvDoc, fc.nat(), fc.constantFrom(...defects), fc.nat(), fc.integer({min: 1, max: 64}), async (doc, rowPick, defect, cellPick, chunk) => {
        const oneLine = (row: CsvDoc['rows'][number]) => {
          const text = row.cells.map(encode).join(',')
          return text !== '' && !text.includes('\n') && !text.includes('\r')
        }
        // A row on one line that is not blank, so that the defect stays inside it.
        const candidates = doc.rows.flatMap((row, index) => (oneLine(row) ? [index] : []))
        fc.pre(candidates.length > 0)
        const target = candidates[rowPick % candidates.length]
        const at = cellPick % doc.rows[target].cells.length
        let kind = defect
        if (kind === 'missing_cell' && doc.rows[target].cells.length === 1) kind = 'extra_cell'
        if (kind === 'unclosed_quote') {
          // Unclosed only if no quote follows it: the rest of the row and the later rows hold plain text.
          const plain = (c: Cell): Cell => ({text: c.text.replace(/[",\r\n]/g, '') || 'p', quoted: false})
          doc.rows[target].cells = doc.rows[target].cells.map((c, i) => (i > at ? plain(c) : c))
          for (const row of doc.rows.slice(target + 1)) row.cells = row.cells.map(plain)
        }
        const texts = doc.rows.map((row) => row.cells.map(encode).join(','))
        const cells = doc.rows[target].cells.map(encode)
        if (kind === 'stray_quote') cells[at] = 'a"b'
        else if (kind === 'text_after_quote') cells[at] = '"ab"x'
        else if (kind === 'extra_cell') cells.push('z')
        else if (kind === 'missing_cell') cells.pop()
        else cells[at] = '"ab'
        texts[target] = cells.join(',')

        const {bytes, lines} = write(doc, texts)
        const ours = await readOurs(bytes, chunk)
        const expected = doc.rows.flatMap((row, index): Array<{line: number | null; rule?: string; fields?: Record<string, string>}> => {
          if (lines[index] === null) return []
          if (index === target) return [{line: lines[index], rule: expectedRule[kind]}]
          return [{line: lines[index], fields: Object.fromEntries(doc.header.map((h, i) => [h.text, row.cells[i].text]))}]
        })
        const got = ours.records.map((r) => (r.error ? {line: r.line, rule: r.error.rule} : {line: r.line, fields: r.fields}))
        expect(got).toEqual(expected)
      }),
      {numRuns: NUM_RUNS},
    )
  })
})
