import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {parseJson, runCli, tempDir} from '../helpers/cli.js'
import {targetArgs, testEmulator, type TempDir} from '../helpers/emulator.js'

const LATENCY_MS = 400
const pad = 'x'.repeat(300)

/**
 * Arrival times at the server of the batch requests (not the target check). Each answer takes
 * LATENCY_MS, so requests that waited for each other arrive at least that far apart, and requests
 * in flight together arrive within a few ms.
 */
function batchArrivals(emulator: RunningEmulator): number[] {
  return emulator.inspect.requestTimes().slice(1).sort((a, b) => a - b)
}

describe('events need not wait for each other per person; identify rows still do', () => {
  let emulator: RunningEmulator
  let dir: TempDir
  beforeEach(async () => {
    emulator = await testEmulator({rateLimit: null})
    emulator.setFaults({latencyMs: LATENCY_MS})
    dir = tempDir()
  })
  afterEach(async () => {
    await emulator.close()
    dir.cleanup()
  })

  // One person, 40 rows of ~350 bytes, batches of at most ~3 KB: about 7 requests (fewer than --concurrency), all about the same person.
  const importOf = (type: 'people' | 'events', rows: object[]) => {
    const input = join(dir.path, `${type}.ndjson`)
    writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n') + '\n')
    return runCli(['import', input, '--type', type, '--concurrency', '10', '--rate', '1000', '--max-body-bytes', '3000',
      ...targetArgs(emulator), '--state', join(dir.path, `${type}.sqlite`), '--json', '--quiet'])
  }

  it('events with their own timestamp: the batches of one person are in flight together, and every event lands once', async () => {
    const rows = Array.from({length: 40}, (_, i) => ({id: 'p1', name: 'viewed', timestamp: 1_700_000_000 + i, pad}))
    const run = await importOf('events', rows)
    expect(run.code, run.stderr).toBe(0)
    expect(parseJson(run.stdout).rows.succeeded).toBe(40)
    const arrivals = batchArrivals(emulator)
    expect(arrivals.length).toBeGreaterThanOrEqual(4)
    // Waiting for each other, 4+ requests would span 3 x 400 ms; in flight together they span far less.
    expect(arrivals.at(-1)! - arrivals[0]).toBeLessThan(LATENCY_MS)
    expect(emulator.inspect.stats().eventCount).toBe(40)
    expect(emulator.inspect.stats().duplicateEventIds).toBe(0)
  }, 60_000)

  it('events without a timestamp (the server stamps them) and identify rows keep file order: one request at a time', async () => {
    const events = Array.from({length: 40}, (_, i) => ({id: 'p1', name: 'viewed', n: i, pad}))
    expect((await importOf('events', events)).code).toBe(0)
    const people = Array.from({length: 40}, (_, i) => ({id: 'p2', version: i, pad}))
    expect((await importOf('people', people)).code).toBe(0)
    const all = emulator.inspect.requestTimes().sort((a, b) => a - b)
    // Every request after the first arrived only once the one before was answered.
    const gaps = all.slice(1).map((t, i) => t - all[i]).filter((gap) => gap < LATENCY_MS * 0.9)
    // Two target checks (one per import) are the only requests not paced by an answer.
    expect(gaps.length).toBeLessThanOrEqual(2)
    expect(all.length).toBeGreaterThanOrEqual(10)
    expect(emulator.inspect.person('p2')!.attributes.version).toBe(39)
  }, 60_000)
})
