import {describe, expect, it} from 'vitest'

import {BatchBody} from '../../src/batching/batch-body.js'
import {BatchPacker} from '../../src/batching/batch-packer.js'
import {RefPacker} from '../../src/batching/ref-packer.js'
import type {Operation} from '../../src/mapping/index.js'

const entryOf = (i: number, text = `row ${i}`) => ({type: 'person', identifiers: {id: String(i)}, action: 'identify', attributes: {text}})

function bodyOf(entries: object[], capacity?: number): BatchBody {
  const body = new BatchBody(capacity)
  for (const e of entries) {
    const json = JSON.stringify(e)
    body.add(json, Buffer.byteLength(json, 'utf8'))
  }

  return body
}

function opOf(line: number, text: string): Operation {
  const entry = entryOf(line, text) as unknown as Operation['entry']
  const json = JSON.stringify(entry)
  return {line, personKey: `id:${line}`, ordered: true, entry, json, bytes: Buffer.byteLength(json, 'utf8')}
}

describe('BatchBody: a v2 body written as bytes, entry by entry', () => {
  // Multi-byte text of every UTF-8 width (2, 3 and 4 bytes), quotes and escapes the JSON carries.
  const texts = ['plain', 'Zoë Ångström', '日本語テキスト', 'emoji 🎉👩‍👩‍👧', 'quote " backslash \\ newline \n', '']
  const entries = Array.from({length: 60}, (_, i) => entryOf(i, texts[i % texts.length].repeat((i % 7) + 1)))

  it('is byte for byte the body the joined strings made, and byteLength counts it exactly before and after closing', () => {
    const body = bodyOf(entries)
    const expected = Buffer.from(`{"batch":[${entries.map((e) => JSON.stringify(e)).join(',')}]}`, 'utf8')
    expect(body.byteLength).toBe(expected.length)
    expect(Buffer.compare(body.bytes, expected)).toBe(0)
    expect(body.byteLength).toBe(expected.length)
    expect(body.count).toBe(60)
    expect(JSON.parse(body.bytes.toString('utf8'))).toEqual({batch: entries})
  })

  it('grows past a small first capacity without losing a byte', () => {
    const body = bodyOf(entries, 16)
    expect(JSON.parse(body.bytes.toString('utf8'))).toEqual({batch: entries})
  })

  it('gives each entry back as its text, and any run of entries as a body of its own (the 400 split)', () => {
    const body = bodyOf(entries)
    for (const [i, e] of entries.entries()) expect(JSON.parse(body.entry(i))).toEqual(e)
    for (const [from, to] of [
      [0, 1],
      [0, 30],
      [30, 60],
      [17, 18],
      [59, 60],
      [5, 41],
    ]) {
      const part = body.slice(from, to)
      expect(part.count).toBe(to - from)
      expect(part.byteLength).toBe(part.bytes.length)
      expect(JSON.parse(part.bytes.toString('utf8'))).toEqual({batch: entries.slice(from, to)})
      // A slice of a slice (a second split) still lines up.
      const half = part.slice(0, Math.ceil(part.count / 2))
      expect(JSON.parse(half.bytes.toString('utf8'))).toEqual({batch: entries.slice(from, from + half.count)})
      for (let i = 0; i < part.count; i++) expect(JSON.parse(part.entry(i))).toEqual(entries[from + i])
    }
  })

  it('survives a trip through its parts (bytes in their own transferable ArrayBuffer, offsets)', () => {
    const body = bodyOf(entries.slice(0, 3))
    const bytes = body.bytes
    expect(bytes.buffer.byteLength).toBeGreaterThanOrEqual(bytes.length)
    const copy = new Uint8Array(bytes)
    const again = BatchBody.fromParts(copy, new Uint32Array(body.offsets))
    expect(again.count).toBe(3)
    expect(JSON.parse(again.entry(2))).toEqual(entries[2])
    expect(JSON.parse(again.bytes.toString('utf8'))).toEqual({batch: entries.slice(0, 3)})
  })

  it('refuses an entry whose measured length is wrong, and any entry after closing', () => {
    const body = new BatchBody()
    expect(() => body.add('"é"', 3)).toThrow(/4 bytes, not the 3/)
    const closed = bodyOf([entryOf(1)]).close()
    expect(() => closed.add('{}', 2)).toThrow(/after close/)
  })
})

describe('packers keep every body strictly under the limit, counting the bytes they write', () => {
  it('BatchPacker: each closed body is under maxBodyBytes, in file order, with every row once', () => {
    const max = 2000
    const packer = new BatchPacker({api: 'v2', fileIndex: 0, maxBodyBytes: max})
    const closed = []
    const ops = Array.from({length: 300}, (_, i) => opOf(i + 1, 'ü'.repeat(i % 40)))
    for (const op of ops) {
      const ready = packer.add(op, `raw ${op.line}`, {line: op.line, offset: 0})
      if (ready) closed.push(ready)
    }

    closed.push(packer.flush()!)
    const lines = closed.flatMap((b) => b.lines)
    expect(lines).toEqual(ops.map((o) => o.line))
    for (const batch of closed) {
      expect(batch.body.bytes.length).toBeLessThan(max)
      expect(batch.body.count).toBe(batch.lines.length)
      const parsed = JSON.parse(batch.body.bytes.toString('utf8')) as {batch: unknown[]}
      expect(parsed.batch).toEqual(batch.lines.map((line) => ops[line - 1].entry))
    }

    // A batch closes only when the next entry would not have fitted.
    for (const [i, batch] of closed.slice(0, -1).entries()) {
      const next = ops[closed[i + 1].lines[0] - 1]
      expect(batch.body.bytes.length + 1 + next.bytes).toBeGreaterThan(max - 1)
    }
  })

  it('BatchPacker v1: one entry per body', () => {
    const packer = new BatchPacker({api: 'v1', fileIndex: 0})
    const batch = packer.add(opOf(1, 'x'), 'raw', {line: 1, offset: 0})!
    expect(batch.body.count).toBe(1)
    expect(JSON.parse(batch.body.entry(0))).toEqual(opOf(1, 'x').entry)
  })

  it('RefPacker: the same limit, refs in entry order', () => {
    const packer = new RefPacker<number>(1500)
    const closed = []
    for (let i = 0; i < 100; i++) {
      const ready = packer.add(opOf(i, 'ß'.repeat(i % 30)), i)
      if (ready) closed.push(ready)
    }

    closed.push(packer.flush()!)
    expect(closed.flatMap((b) => b.refs)).toEqual(Array.from({length: 100}, (_, i) => i))
    for (const batch of closed) {
      expect(batch.body.bytes.length).toBeLessThan(1500)
      expect((JSON.parse(batch.body.bytes.toString('utf8')) as {batch: unknown[]}).batch).toHaveLength(batch.refs.length)
    }
  })
})
