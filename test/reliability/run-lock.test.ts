import {spawn} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import Database from 'better-sqlite3'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {BIN, collect, flat, parseJson, runCli, spawnCli, tempDir, waitForOutput} from '../helpers/cli.js'
import {targetArgs, testEmulator} from '../helpers/emulator.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The CLI in its own UTS namespace with another hostname: a restarted pod that shares the ledger volume. */
function cliOnHost(host: string, args: string[], cwd: string) {
  const child = spawn('unshare', ['--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', host, process.execPath, BIN, ...args], {
    cwd,
    env: {...process.env, CIO_SITE_ID: '', CIO_API_KEY: '', CIO_TRACK_URL: '', FORCE_COLOR: '0'},
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  child.stdin.end()
  return collect(child)
}

describe('the run lock is a lease: a dead owner never blocks, a live one always does', () => {
  let emulator: RunningEmulator
  let dir: ReturnType<typeof tempDir>
  let input: string
  let state: string
  /** ~20 rows per batch at 15 requests/s: 2000 rows take several seconds. */
  const slow = ['--max-body-bytes', '2400', '--rate', '15', '--concurrency', '4']

  beforeEach(async () => {
    emulator = await testEmulator({faults: {latencyMs: 30}})
    dir = tempDir()
    input = join(dir.path, 'events.ndjson')
    state = join(dir.path, 'ledger.sqlite')
    const lines = []
    for (let i = 1; i <= 2000; i++) lines.push(JSON.stringify({id: `p${i % 50}`, name: 'tick', timestamp: 1700000000 + i, data: {n: i}}))
    writeFileSync(input, lines.join('\n') + '\n')
  })
  afterEach(async () => {
    await emulator.close()
    dir.cleanup()
  })

  async function startAndKill(): Promise<string> {
    const child = spawnCli(['import', input, '--type', 'events', ...slow, ...targetArgs(emulator), '--state', state], {cwd: dir.path})
    const done = collect(child)
    await waitForOutput(child, /Run \w{26}:/)
    await sleep(1500)
    child.kill('SIGKILL')
    const result = await done
    expect(result.signal).toBe('SIGKILL')
    return /Run (\w{26})/.exec(result.stderr)![1]
  }

  function expectEachRowOnce(): void {
    const ns = emulator.inspect.events().map((e) => e.data.n as number).sort((a, b) => a - b)
    expect(ns).toEqual(Array.from({length: 2000}, (_, i) => i + 1))
  }

  it('after kill -9, runs shows the run interrupted and a resume on another host takes it over once the lease stands still', async () => {
    const runId = await startAndKill()
    const listed = await runCli(['runs', '--state', state, '--json'], {cwd: dir.path})
    expect(parseJson(listed.stdout).runs[0]).toMatchObject({runId, status: 'interrupted'})
    const shown = await runCli(['runs', 'show', runId, '--state', state, '--json'], {cwd: dir.path})
    expect(parseJson(shown.stdout).status).toBe('interrupted')

    const key = ['--site-id', emulator.siteId, '--api-key', emulator.apiKey]
    const resumed = await cliOnHost('restarted-pod', ['resume', runId, ...key, '--state', state, '--rate', '200', '--json'], dir.path)
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(flat(resumed.stderr)).toMatch(/held by process \d+ on \S+; waiting up to 10s/)
    expect(parseJson(resumed.stdout).rows).toEqual({read: 2000, succeeded: 2000, failed: 0, invalid: 0})
    expectEachRowOnce()
  })

  it('a dead owner whose pid now belongs to an unrelated live process does not block either', async () => {
    const runId = await startAndKill()
    // An unrelated live process gets the dead owner's pid (as the kernel may reuse it).
    const unrelated = spawn('sleep', ['60'])
    try {
      const db = new Database(state)
      db.prepare('UPDATE runs SET owner_pid = ? WHERE id = ?').run(unrelated.pid, runId)
      db.close()
      const resumed = await runCli(['resume', runId, ...targetArgs(emulator).slice(2), '--state', state, '--rate', '200', '--json'], {cwd: dir.path})
      expect(resumed.code, resumed.stderr).toBe(0)
      expectEachRowOnce()
    } finally {
      unrelated.kill('SIGKILL')
    }
  })

  it('a live owner refuses a resume on another host and on this one; --break-lock after a crash takes over at once', async () => {
    // 4 requests/s: the holder is still sending (and renewing its lease) for well over 20 s.
    const slower = ['--max-body-bytes', '2400', '--rate', '4', '--concurrency', '2']
    const child = spawnCli(['import', input, '--type', 'events', ...slower, ...targetArgs(emulator), '--state', state], {cwd: dir.path})
    const done = collect(child)
    await waitForOutput(child, /Run \w{26}:/)
    const listed = await runCli(['runs', '--state', state, '--json'], {cwd: dir.path})
    const runId = parseJson(listed.stdout).runs[0].runId as string
    expect(parseJson(listed.stdout).runs[0]).toMatchObject({runId, status: 'running'})

    const key = ['--site-id', emulator.siteId, '--api-key', emulator.apiKey]
    const elsewhere = await cliOnHost('restarted-pod', ['resume', runId, ...key, '--state', state, '--json'], dir.path)
    expect(elsewhere.code, elsewhere.stderr).toBe(2)
    expect(parseJson(elsewhere.stdout).error).toMatchObject({exit: 2, message: expect.stringMatching(/already being processed by process \d+ on .*renews its lock/)})
    const here = await runCli(['resume', runId, ...key, '--state', state], {cwd: dir.path})
    expect(here.code).toBe(2)
    expect(flat(here.stderr)).toMatch(/being processed by process \d+/)

    child.kill('SIGKILL')
    await done
    const broken = await cliOnHost('restarted-pod', ['resume', runId, ...key, '--state', state, '--rate', '200', '--break-lock', '--json'], dir.path)
    expect(broken.code, broken.stderr).toBe(0)
    expect(broken.stderr).not.toMatch(/waiting up to/)
    expectEachRowOnce()
  })
})
