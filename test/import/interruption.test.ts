import {appendFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {collect, parseJson, runCli, spawnCli, tempDir, waitForOutput, flat} from '../helpers/cli.js'
import {targetArgs, testEmulator} from '../helpers/emulator.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function eventsFile(path: string, rows: number): void {
  const lines = []
  for (let i = 1; i <= rows; i++) lines.push(JSON.stringify({id: `p${i % 50}`, name: 'tick', timestamp: 1700000000 + i, data: {n: i}}))
  writeFileSync(path, lines.join('\n') + '\n')
}

/** Every row stored exactly once, whatever happened in between. */
function expectEachRowOnce(emulator: RunningEmulator, rows: number): void {
  const ns = emulator.inspect.events().map((e) => e.data.n as number).sort((a, b) => a - b)
  expect(ns).toEqual(Array.from({length: rows}, (_, i) => i + 1))
}

describe('interruption and resume', () => {
  let emulator: RunningEmulator
  let dir: ReturnType<typeof tempDir>
  let input: string
  let state: string
  /** ~20 rows per batch at 15 batches/s: a 2000-row file takes about 7 s. */
  let slow: string[]
  beforeEach(async () => {
    emulator = await testEmulator({faults: {latencyMs: 30}})
    dir = tempDir()
    input = join(dir.path, 'events.ndjson')
    state = join(dir.path, 'ledger.sqlite')
    slow = ['--max-body-bytes', '2400', '--rate', '15', '--concurrency', '4']
  })
  afterEach(async () => {
    await emulator.close()
    dir.cleanup()
  })

  it('first SIGINT stops reading, finishes requests in flight, prints the resume command and exits 4; resume completes', async () => {
    eventsFile(input, 2000)
    const child = spawnCli(['import', input, '--type', 'events', ...slow, ...targetArgs(emulator), '--state', state], {cwd: dir.path})
    const done = collect(child)
    await waitForOutput(child, /Run \w{26}:/)
    await sleep(1500)
    child.kill('SIGINT')
    const result = await done
    expect(result.code, result.stderr).toBe(4)
    const runId = /Run (\w{26})/.exec(result.stderr)![1]
    expect(result.stdout).toContain(`resume with: cio-backfill resume ${runId} --state "${state}"`)
    const landed = emulator.inspect.events().length
    expect(landed).toBeGreaterThan(0)
    expect(landed).toBeLessThan(2000)

    const resumed = await runCli(['resume', runId, ...targetArgs(emulator).slice(2), '--state', state, '--rate', '200', '--json'], {cwd: dir.path})
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(parseJson(resumed.stdout).rows).toEqual({read: 2000, succeeded: 2000, failed: 0, invalid: 0})
    expectEachRowOnce(emulator, 2000)
    // A graceful stop commits what was in flight: nothing is sent twice.
    expect(emulator.inspect.stats().duplicateEventIds).toBe(0)
  })

  it('a second signal exits at once, and the ledger is still consistent', async () => {
    eventsFile(input, 2000)
    const child = spawnCli(['import', input, '--type', 'events', ...slow, ...targetArgs(emulator), '--state', state], {cwd: dir.path})
    const done = collect(child)
    await waitForOutput(child, /Run \w{26}:/)
    await sleep(800)
    child.kill('SIGTERM')
    await sleep(20)
    child.kill('SIGTERM')
    const result = await done
    expect(result.code).toBe(4)
    expect(flat(result.stderr)).toMatch(/Resume with: cio-backfill resume \w{26}/)
    const resumed = await runCli(['resume', ...targetArgs(emulator).slice(2), '--state', state, '--rate', '200', '--json'], {cwd: dir.path})
    expect(resumed.code, resumed.stderr).toBe(0)
    expectEachRowOnce(emulator, 2000)
  })

  it('SIGKILL at random moments, then resume: every row lands exactly once in effect', async () => {
    eventsFile(input, 1500)
    const delays = [700, 1300, 400, 1100]
    let child = spawnCli(['import', input, '--type', 'events', ...slow, ...targetArgs(emulator), '--state', state], {cwd: dir.path})
    for (const delay of delays) {
      const done = collect(child)
      await waitForOutput(child, /Run \w{26}:/)
      await sleep(delay + Math.floor(Math.random() * 300))
      child.kill('SIGKILL')
      await done
      child = spawnCli(['resume', ...targetArgs(emulator).slice(2), '--state', state], {cwd: dir.path})
    }

    const final = await collect(child)
    expect(final.code, final.stderr).toBe(0)
    expectEachRowOnce(emulator, 1500)
  })

  it('refuses to resume onto a changed input unless --force', async () => {
    eventsFile(input, 2000)
    const child = spawnCli(['import', input, '--type', 'events', ...slow, ...targetArgs(emulator), '--state', state], {cwd: dir.path})
    const done = collect(child)
    await waitForOutput(child, /Run \w{26}:/)
    await sleep(500)
    child.kill('SIGINT')
    expect((await done).code).toBe(4)
    appendFileSync(input, JSON.stringify({id: 'late', name: 'tick', data: {n: 2001}}) + '\n')

    const refused = await runCli(['resume', ...targetArgs(emulator).slice(2), '--state', state], {cwd: dir.path})
    expect(refused.code).toBe(2)
    expect(flat(refused.stderr)).toMatch(/changed since the run began/)
    expect(flat(refused.stderr)).toMatch(/--force/)

    const forced = await runCli(['resume', ...targetArgs(emulator).slice(2), '--state', state, '--force', '--rate', '200', '--json'], {cwd: dir.path})
    expect(forced.code, forced.stderr).toBe(0)
    expectEachRowOnce(emulator, 2001)
  })

  it('refuses another workspace on resume', async () => {
    eventsFile(input, 2000)
    const child = spawnCli(['import', input, '--type', 'events', ...slow, ...targetArgs(emulator), '--state', state], {cwd: dir.path})
    const done = collect(child)
    await waitForOutput(child, /Run \w{26}:/)
    child.kill('SIGINT')
    expect((await done).code).toBe(4)
    const refused = await runCli(['resume', '--site-id', 'other-site', '--api-key', emulator.apiKey, '--state', state], {cwd: dir.path})
    expect(refused.code).toBe(2)
    expect(flat(refused.stderr)).toMatch(/site id differs/)
  })

  it('never lets two processes work on the same run', async () => {
    eventsFile(input, 2000)
    const child = spawnCli(['import', input, '--type', 'events', ...slow, ...targetArgs(emulator), '--state', state], {cwd: dir.path})
    const done = collect(child)
    await waitForOutput(child, /Run \w{26}:/)
    const second = await runCli(['resume', ...targetArgs(emulator).slice(2), '--state', state], {cwd: dir.path})
    expect(second.code).toBe(2)
    expect(flat(second.stderr)).toMatch(/already being processed by process \d+/)
    child.kill('SIGINT')
    await done
  })
})
