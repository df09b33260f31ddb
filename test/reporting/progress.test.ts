import {PassThrough} from 'node:stream'
import {describe, expect, it} from 'vitest'

import type {ProgressSnapshot} from '../../src/importer/progress-snapshot.js'
import {createProgressReporter} from '../../src/reporting/progress-reporter.js'

function snapshot(elapsedMs: number, rowsDone: number, bytesRead: number): ProgressSnapshot {
  return {
    runId: 'r', file: 'people.csv', fileIndex: 0, fileCount: 1, rowsDone, succeeded: rowsDone - 3, failed: 1, invalid: 2,
    requestsSent: Math.ceil(rowsDone / 100), sessionRows: rowsDone, sessionRequests: Math.ceil(rowsDone / 100), throttled: 4, retried: 0, bytesRead, totalBytes: 1_000_000, currentRate: 80, elapsedMs,
  }
}

function stream(isTTY: boolean): PassThrough & {isTTY: boolean; columns: number} {
  const s = new PassThrough() as PassThrough & {isTTY: boolean; columns: number; cursorTo: () => void; clearLine: () => void; moveCursor: () => void}
  s.isTTY = isTTY
  s.columns = 200
  s.cursorTo = () => {}
  s.clearLine = () => {}
  s.moveCursor = () => {}
  return s
}

describe('progress', () => {
  it('prints one plain line every few seconds when stderr is not a terminal, with rates and an ETA from bytes read', () => {
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

  it('draws a bar on a terminal with the same figures', () => {
    const out = stream(true)
    let text = ''
    out.on('data', (d) => (text += d))
    const progress = createProgressReporter(out as unknown as NodeJS.WriteStream)
    progress.update(snapshot(0, 0, 0))
    progress.update(snapshot(6000, 60_000, 600_000))
    progress.stop()
    expect(text).toMatch(/60% \| 60,000 rows \| 10,000 rows\/s \| 100 req\/s \| 429s 4 \| failed 1 \| invalid 2 \| ETA 4s/)
  })
})
