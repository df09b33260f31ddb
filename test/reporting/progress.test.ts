import {PassThrough} from 'node:stream'
import {describe, expect, it} from 'vitest'

import type {ProgressSnapshot} from '../../src/importer/progress-snapshot.js'
import {createProgressReporter} from '../../src/reporting/progress-reporter.js'

/** The reader is a read chunk ahead of what is acknowledged. */
function snapshot(elapsedMs: number, rowsDone: number, bytesSettled: number, bytesRead = Math.min(1_000_000, bytesSettled + 262_144)): ProgressSnapshot {
  return {
    runId: 'r', file: 'people.csv', fileIndex: 0, fileCount: 1, rowsDone, succeeded: rowsDone - 3, failed: 1, invalid: 2,
    requestsSent: Math.ceil(rowsDone / 100), sessionRows: rowsDone, sessionRequests: Math.ceil(rowsDone / 100), throttled: 4, retried: 0, bytesRead, bytesSettled, totalBytes: 1_000_000, currentRate: 80, elapsedMs,
  }
}

function stream(isTTY: boolean, columns = 200): PassThrough & {isTTY: boolean; columns: number} {
  const s = new PassThrough() as PassThrough & {isTTY: boolean; columns: number; cursorTo: () => void; clearLine: () => void; moveCursor: () => void}
  s.isTTY = isTTY
  s.columns = columns
  s.cursorTo = () => {}
  s.clearLine = () => {}
  s.moveCursor = () => {}
  return s
}

describe('progress', () => {
  it('prints one plain line every few seconds when stderr is not a terminal, with rates, and a percentage and ETA from acknowledged bytes (not bytes read)', () => {
    const out = stream(false)
    let text = ''
    out.on('data', (d) => (text += d))
    const progress = createProgressReporter(out as unknown as NodeJS.WriteStream, 5000)
    progress.update(snapshot(0, 0, 0))
    progress.update(snapshot(2000, 20_000, 200_000))
    progress.update(snapshot(4000, 40_000, 400_000))
    progress.update(snapshot(6000, 60_000, 600_000))
    progress.stop()
    const lines = text.trim().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[1]).toBe('[6s] 60% 60,000 rows (10,000/s) | 600 requests (100/s) | 429s 4 | failed 1 | invalid 2 | ETA 4s')
  })

  it('shows this session\'s average while there is less than a second of samples (a run that ends at once)', () => {
    const out = stream(false)
    let text = ''
    out.on('data', (d) => (text += d))
    const progress = createProgressReporter(out as unknown as NodeJS.WriteStream, 5000)
    progress.update({...snapshot(200, 1200, 1_000_000), sessionRows: 200, sessionRequests: 1})
    expect(text).toMatch(/1,200 rows \(1,000\/s\) \| 12 requests \(5\/s\)/)
  })

  it('says "1 request", not "1 requests"', () => {
    const out = stream(false)
    let text = ''
    out.on('data', (d) => (text += d))
    createProgressReporter(out as unknown as NodeJS.WriteStream, 5000).update({...snapshot(200, 100, 1000), requestsSent: 1})
    expect(text).toMatch(/\| 1 request \(/)
  })

  it('draws a bar on a terminal with the same figures, redrawn in place', () => {
    const out = stream(true)
    let text = ''
    out.on('data', (d) => (text += d))
    const progress = createProgressReporter(out as unknown as NodeJS.WriteStream)
    progress.update(snapshot(0, 0, 0))
    progress.update(snapshot(6000, 60_000, 600_000))
    progress.stop()
    expect(text).toMatch(/\r[█░]{30} 60% \| 60,000 rows \(10,000\/s\) \| 100 req\/s \| 429s 4 \| failed 1 \| invalid 2 \| ETA 4s\u001B\[K\n$/)
  })

  it('follows acknowledged bytes: the reader at the end of the file is not 100% done', () => {
    const out = stream(true)
    let text = ''
    out.on('data', (d) => (text += d))
    const progress = createProgressReporter(out as unknown as NodeJS.WriteStream)
    progress.update(snapshot(0, 0, 0, 1_000_000))
    progress.update(snapshot(2000, 20_000, 200_000, 1_000_000))
    progress.stop()
    const last = text.split('\r').at(-1)!
    expect(last).toContain(' 20% |')
    expect(last).toContain('ETA 8s')
  })

  it.each([80, 60])('fits %i columns: failed, invalid and the ETA stay, the rest is shortened, nothing wraps', (columns) => {
    const out = stream(true, columns)
    let text = ''
    out.on('data', (d) => (text += d))
    const progress = createProgressReporter(out as unknown as NodeJS.WriteStream)
    const big = (t: number, rows: number, bytes: number) => ({...snapshot(t, rows, bytes), failed: 12_345, invalid: 67_890, throttled: 4321, requestsSent: 99_999})
    progress.update(big(0, 0, 0))
    progress.update(big(6000, 1_234_567, 600_000))
    const drawn = text.split('\r').filter(Boolean).map((d) => d.replace(/\u001B\[K/, ''))
    for (const visible of drawn) expect(visible.length, visible).toBeLessThan(columns)
    expect(drawn.at(-1)).toMatch(/60%( \|)? 1,234,567 rows.*( \|)? failed 12,345( \|)? invalid 67,890( \|)? ETA 4s$/)
  })

  it('after stop() nothing more is drawn, so a message printed next is never overwritten', () => {
    const out = stream(true)
    let text = ''
    out.on('data', (d) => (text += d))
    const progress = createProgressReporter(out as unknown as NodeJS.WriteStream)
    progress.update(snapshot(0, 0, 0))
    progress.stop()
    const atStop = text
    progress.update(snapshot(6000, 60_000, 600_000))
    progress.stop()
    expect(text).toBe(atStop)
    expect(text.endsWith('\n')).toBe(true)
  })
})
