import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import type {LoadTestSummary} from '../../src/loadtest/summary.js'
import {collect, parseJson, runCli, spawnCli, tempDir, waitForOutput} from '../helpers/cli.js'
import {targetArgs, testEmulator} from '../helpers/emulator.js'

let emulator: RunningEmulator
let state: ReturnType<typeof tempDir>

beforeEach(async () => {
  emulator = await testEmulator({rateLimit: null})
  state = tempDir('loadtest-cli-')
})

afterEach(async () => {
  await emulator.close()
  state.cleanup()
})

/** oclif wraps long error messages with "\n ›   " continuation marks; undo that before matching. */
const plain = (text: string) => text.replace(/\s*›\s*/g, ' ')

const loadtest = (...args: string[]) => ['loadtest', ...targetArgs(emulator), '--state-dir', state.path, '--quiet', ...args]

describe('cio-backfill loadtest (child process)', () => {
  it('exits 99 when emulator latency breaks p(95)<500, with the same figures in --json and --summary-export', async () => {
    emulator.setFaults({latencyMs: 600})
    const exported = path.join(state.path, 'summary.json')
    const result = await runCli(loadtest('--stages', '1s:10', '--start-rate', '10', '--json', '--summary-export', exported))
    expect(result.code, result.stderr).toBe(99)
    const summary = parseJson<LoadTestSummary>(result.stdout)
    expect(summary.passed).toBe(false)
    const p95 = summary.thresholds.find((t) => t.aggregation === 'p(95)')!
    expect(p95).toMatchObject({metric: 'http_req_duration', ok: false, limit: 500})
    expect(p95.observed).toBeGreaterThanOrEqual(600)
    expect(summary.thresholds.find((t) => t.metric === 'errors')).toMatchObject({ok: true, observed: 0})
    expect(JSON.parse(readFileSync(exported, 'utf8'))).toEqual(summary)
    expect(result.stdout + result.stderr).not.toContain(emulator.apiKey)
  })

  it('passes with exit 0, then "loadtest cleanup RUN_ID" deletes every person it created', async () => {
    const run = await runCli(loadtest('--stages', '1s:20', '--start-rate', '20'))
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/✓ http_req_duration p\(95\)<500/)
    expect(run.stdout).toMatch(/result: all thresholds passed/)
    const runId = /cleanup (\w+)/.exec(run.stdout)![1]
    expect(run.stdout).toContain(`remove them with: cio-backfill loadtest cleanup ${runId} --endpoint ${emulator.url} --state-dir ${state.path}`)
    const ofRun = () => emulator.inspect.people().filter((p) => p.id?.startsWith(`lt-${runId}-`))
    expect(ofRun()).toHaveLength(20)

    const cleanup = await runCli(['loadtest', 'cleanup', runId, ...targetArgs(emulator), '--state-dir', state.path, '--rate', '100', '--json'])
    expect(cleanup.code, cleanup.stderr).toBe(0)
    expect(parseJson(cleanup.stdout)).toMatchObject({runId, attempted: 20, deleted: 20, failed: 0})
    expect(ofRun()).toHaveLength(0)
  })

  it('refuses a cleanup aimed at another workspace than the run used', async () => {
    const run = await runCli(loadtest('--stages', '500ms:10', '--start-rate', '10', '--json'))
    const {runId} = parseJson<LoadTestSummary>(run.stdout)
    const other = await testEmulator({rateLimit: null})
    try {
      const cleanup = await runCli(['loadtest', 'cleanup', runId, ...targetArgs(other), '--state-dir', state.path])
      expect(cleanup.code).toBe(2)
      expect(plain(cleanup.stderr)).toMatch(/was sent to http:\/\/127\.0\.0\.1:\d+ \(site .*\), but the target is/)
      expect(other.inspect.stats().requests.total).toBe(0)
    } finally {
      await other.close()
    }
  })

  it('rejects bad scenarios before sending anything, naming the flag and the rule', async () => {
    const threshold = await runCli(loadtest('--threshold', 'p95<500'))
    expect(threshold.code).toBe(2)
    expect(plain(threshold.stderr)).toMatch(/--threshold "p95<500": p95 does not apply to http_req_duration.*did you mean p\(95\)/s)
    const stages = await runCli(loadtest('--stages', '30s:50,60:80'))
    expect(stages.code).toBe(2)
    expect(plain(stages.stderr)).toMatch(/--stages entry 2 \("60:80"\): duration must be positive with a unit/)
    expect(`${threshold.stderr}${stages.stderr}`).not.toMatch(/\n\s+at /)
    expect(emulator.inspect.stats().requests.total).toBe(0)
  })

  it('will not start without a run record to clean up from', async () => {
    const file = path.join(state.path, 'a-file')
    writeFileSync(file, '')
    const result = await runCli(['loadtest', ...targetArgs(emulator), '--state-dir', path.join(file, 'sub'), '--stages', '1s:5'])
    expect(result.code).toBe(2)
    expect(plain(result.stderr)).toMatch(/Cannot write the run record .*a-file\/sub\/\w+\.json: .*Choose another --state-dir/)
    // Only the credentials check went out.
    expect(emulator.inspect.stats().requests.byRoute).toEqual({'GET /api/v1/accounts/region': 1})
  })

  it('exits 3 on rejected credentials, for the run and for cleanup, having sent nothing else', async () => {
    const wrongKey = (args: string[]) => args.map((arg) => (arg === emulator.apiKey ? 'wrong-key' : arg))
    const run = await runCli(wrongKey(loadtest('--stages', '1s:5')))
    expect(run.code).toBe(3)
    expect(plain(run.stderr)).toMatch(/rejected the site id \/ API key \(HTTP 401\); nothing was sent/)
    expect(run.stderr).not.toContain('wrong-key')
    expect(emulator.inspect.stats().requests.byRoute).toEqual({'GET /api/v1/accounts/region': 1})

    const good = await runCli(loadtest('--stages', '500ms:4', '--start-rate', '4', '--json'))
    const {runId} = parseJson<LoadTestSummary>(good.stdout)
    const cleanup = await runCli(wrongKey(['loadtest', 'cleanup', runId, ...targetArgs(emulator), '--state-dir', state.path]))
    expect(cleanup.code).toBe(3)
    expect(emulator.inspect.people().filter((p) => p.id?.startsWith(`lt-${runId}-`))).toHaveLength(2)
  })

  it("refuses Customer.io's production hosts unless --allow-production", async () => {
    const result = await runCli(['loadtest', '--site-id', 'site', '--api-key', 'secret-key', '--region', 'eu', '--state-dir', state.path])
    expect(result.code).toBe(2)
    expect(plain(result.stderr)).toMatch(/Refusing to load test https:\/\/track-eu\.customer\.io.*--allow-production/s)
    expect(result.stderr).not.toContain('secret-key')
  })

  it('on Ctrl-C stops arrivals, drains, prints the summary and exits 4', async () => {
    const child = spawnCli(loadtest('--stages', '30s:20', '--start-rate', '20').filter((arg) => arg !== '--quiet'))
    const done = collect(child, 60_000)
    // The non-TTY live line appears every 5 s; the first one proves the run is under way.
    await waitForOutput(child, /in flight/, 20_000)
    child.kill('SIGINT')
    const result = await done
    expect(result.code, result.stderr).toBe(4)
    expect(result.stderr).toMatch(/Interrupted: no new arrivals/)
    expect(result.stdout).toMatch(/aborted \(signal\)/)
    const sent = Number(/sent (\d+)/.exec(result.stdout)![1])
    expect(sent).toBeGreaterThan(50)
    expect(sent).toBeLessThan(300)
    const {total, byRoute} = emulator.inspect.stats().requests
    expect(total - byRoute['GET /api/v1/accounts/region']).toBe(sent)
  })
})
