import {PassThrough} from 'node:stream'

import {describe, expect, it} from 'vitest'

import {type LiveFigures, LiveDisplay, formatLiveLine} from '../../src/loadtest/live-display.js'

const figures: LiveFigures = {
  elapsedMs: 95_400,
  totalMs: 120_000,
  targetRate: 64.6,
  currentRate: 63,
  inFlight: 4,
  p95Ms: 212.4,
  errors: 7,
  rateLimited: 5,
  dropped: 1,
  droppedByBudget: 0,
  budgetHold: null,
  failedThresholds: 0,
}

function capture(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), {isTTY})
  let text = ''
  stream.on('data', (chunk) => (text += chunk))
  return {stream, text: () => text}
}

describe('live display', () => {
  it('shows elapsed, current vs planned rate, in flight, p95 so far, errors and drops', () => {
    expect(formatLiveLine(figures)).toBe('1:35/2:00  rate 63/s (target 65)  in flight 4  p95 212ms  errors 7 (429: 5)  dropped 1')
    expect(formatLiveLine({...figures, p95Ms: undefined, failedThresholds: 2})).toMatch(/p95 - .* thresholds failing: 2$/)
    // Under --budget: how many of the drops the budget refused, and why it refuses everything when it does.
    expect(formatLiveLine({...figures, dropped: 9, droppedByBudget: 8, budgetHold: 'budget paused: Redis unreachable at redis://r:6379'})).toMatch(
      /dropped 9 \(budget 8\)  PAUSED: budget paused: Redis unreachable at redis:\/\/r:6379$/,
    )
  })

  it('rewrites one line on a terminal', async () => {
    const out = capture(true)
    const term = process.env.TERM
    process.env.TERM = 'xterm' // TERM=dumb (some CI shells) would rightly turn the refreshing line off
    const display = new LiveDisplay({stream: out.stream, read: () => figures, ttyIntervalMs: 10})
    if (term === undefined) delete process.env.TERM
    else process.env.TERM = term
    display.start()
    await new Promise((resolve) => setTimeout(resolve, 55))
    display.stop()
    const text = out.text()
    expect(text.split('\r\u001B[2K').length).toBeGreaterThan(3)
    expect(text.endsWith('\n')).toBe(true)
    expect(text.slice(0, -1)).not.toContain('\n')
  })

  it('prints whole lines, seldom, when stderr is a pipe', async () => {
    const out = capture(false)
    const display = new LiveDisplay({stream: out.stream, read: () => figures, lineIntervalMs: 20})
    display.start()
    await new Promise((resolve) => setTimeout(resolve, 70))
    display.stop()
    const lines = out.text().trimEnd().split('\n')
    expect(lines.length).toBeGreaterThanOrEqual(3)
    expect(out.text()).not.toContain('\r')
    expect(lines.every((line) => line === formatLiveLine(figures))).toBe(true)
  })
})
