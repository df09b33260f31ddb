import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {checkColumns, createMapper, type MapResult} from '../../src/mapping/index.js'
import {openSource} from '../../src/source/index.js'

const dir = mkdtempSync(join(tmpdir(), 'mapping-reader-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

async function mapFile(name: string, content: string, type: 'people' | 'events'): Promise<{columns: string[] | null; results: MapResult[]}> {
  const path = join(dir, name)
  writeFileSync(path, content)
  const source = await openSource(path)
  const mapper = createMapper({type, columns: source.columns, eventIdSeed: `${name}:${content.length}`})
  const results: MapResult[] = []
  for await (const record of source.records()) results.push(mapper.map(record))
  return {columns: source.columns, results}
}

describe('mapping records from the real reader', () => {
  it('maps a people CSV with a BOM, quoted commas and newlines, retry columns and a ragged row', async () => {
    const csv =
      '\uFEFFid,email,note,created_at,_line,_error\r\n' +
      '00123,a@example.com,"likes commas, and\nnewlines",2024-01-15T10:00:00Z,7,old reason\r\n' +
      ',b@example.com,,1705312800000,,\r\n' +
      'x,too,many,cells,here,now,really\r\n'
    const {columns, results} = await mapFile('people.csv', csv, 'people')
    expect(checkColumns({type: 'people', columns: columns!})).toEqual([])
    expect(results.map((r) => (r.ok ? r.op.line : r.violation.rule))).toEqual([2, 4, 'csv_column_count'])
    const [first, second] = results
    expect(first!.ok && first!.op.entry).toEqual({
      type: 'person',
      action: 'identify',
      identifiers: {id: '00123'},
      attributes: {email: 'a@example.com', note: 'likes commas, and\nnewlines', created_at: 1_705_312_800},
    })
    expect(second!.ok && second!.op.entry.identifiers).toEqual({email: 'b@example.com'})
  })

  it('maps NDJSON events with stable ids per line, and passes on broken lines', async () => {
    const ndjson =
      '{"anonymous_id":"v1","name":"page","timestamp":1705312800000,"data":{"path":"/"},"referrer":"ads"}\n' +
      '{"id":7,"event":"buy","event_id":"01BX5ZZKBKACTAV9WEVGEMMVRY"}\n' +
      '{"id":7,"name":\n'
    const first = await mapFile('events.ndjson', ndjson, 'events')
    const again = await mapFile('events.ndjson', ndjson, 'events')
    const [page, buy, bad] = first.results
    expect(page!.ok && page!.op.entry.attributes).toEqual({path: '/', referrer: 'ads'})
    expect(page!.ok && page!.op.entry.timestamp).toBe(1_705_312_800)
    expect(buy!.ok && buy!.op.entry).toMatchObject({identifiers: {id: '7'}, name: 'buy', id: '01BX5ZZKBKACTAV9WEVGEMMVRY'})
    expect(bad!.ok).toBe(false)
    expect(again.results[0]!.ok && again.results[0]!.op.entry.id).toBe(page!.ok && page!.op.entry.id)
  })
})
