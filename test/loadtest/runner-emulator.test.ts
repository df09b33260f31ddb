import {afterEach, describe, expect, it} from 'vitest'
import {ulid} from 'ulid'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {cleanupRun} from '../../src/loadtest/cleanup.js'
import {readRunRecord} from '../../src/loadtest/run-record.js'
import {type LoadTestOptions, runLoadTest} from '../../src/loadtest/runner.js'
import {planStages} from '../../src/loadtest/schedule.js'
import {parseStages} from '../../src/loadtest/stages.js'
import {parseThresholds} from '../../src/loadtest/thresholds.js'
import {tempDir} from '../helpers/cli.js'
import {testEmulator} from '../helpers/emulator.js'

let emulator: RunningEmulator | undefined
let state: ReturnType<typeof tempDir> | undefined

afterEach(async () => {
  await emulator?.close()
  emulator = undefined
  state?.cleanup()
  state = undefined
})

function options(running: RunningEmulator, overrides: Partial<LoadTestOptions>): LoadTestOptions {
  state ??= tempDir('loadtest-state-')
  return {
    target: {siteId: running.siteId, apiKey: running.apiKey, host: running.url},
    runId: ulid().toLowerCase(),
    startRate: 10,
    stages: parseStages('1s:10'),
    mix: {identify: 1, track: 1},
    api: 'v1',
    batchSize: 1,
    maxInFlight: 100,
    thresholds: [],
    abortOnFail: false,
    timeoutMs: 5000,
    gracefulStopMs: 5000,
    stateDir: state.path,
    ...overrides,
  }
}

/** Track requests other than the one credentials check (GET /api/v1/accounts/region) each run starts with. */
const loadRequests = (running: RunningEmulator) => {
  const {total, byRoute} = running.inspect.stats().requests
  return total - (byRoute['GET /api/v1/accounts/region'] ?? 0)
}

const peopleOfRun = (running: RunningEmulator, runId: string) => running.inspect.people().filter((p) => p.id?.startsWith(`lt-${runId}-`))

describe('loadtest against the emulator', () => {
  it('holds each stage, ramp and plateau, within 2% of its target rate as the server measures it', async () => {
    emulator = await testEmulator({rateLimit: null})
    const stages = parseStages('3s:200,3s:200')
    const summary = await runLoadTest(options(emulator, {startRate: 100, stages}))
    expect(summary.operations).toMatchObject({planned: 1050, sent: 1050, dropped: 0, errors: 0})

    // Arrival times at the server, lined up with the run's own clock start (the credentials check precedes it).
    const start = Date.parse(summary.startedAt)
    const arrivals = emulator.inspect.requestTimes().map((t) => t - start).filter((t) => t >= 0)
    expect(arrivals).toHaveLength(1050)
    expect(loadRequests(emulator)).toBe(1050)
    for (const plan of planStages(100, stages)) {
      const seen = arrivals.filter((t) => t >= plan.startMs && t < plan.startMs + plan.durationMs).length
      const measuredRate = seen / (plan.durationMs / 1000)
      expect(Math.abs(measuredRate - plan.targetRate) / plan.targetRate, `stage ${plan.index + 1}: ${measuredRate}/s vs ${plan.targetRate}/s`).toBeLessThan(0.02)
      const reported = summary.stages[plan.index]
      expect(Math.abs(reported.achievedRate - reported.targetRate) / reported.targetRate).toBeLessThan(0.02)
    }
  })

  it("counts the emulator's 429s as 429s and as errors, and never records their people for cleanup", async () => {
    emulator = await testEmulator({rateLimit: {limit: 100, windowMs: 1000}})
    const summary = await runLoadTest(
      options(emulator, {startRate: 150, stages: parseStages('2s:150'), thresholds: parseThresholds(['errors count<50', 'http_429 count<1'])}),
    )
    const served = emulator.inspect.stats().requests.byStatus
    const servedOk = served['200'] - 1 // the credentials check
    expect(served['429']).toBeGreaterThan(50)
    expect(summary.byStatus['429']).toBe(served['429'])
    expect(summary.byStatus['2xx']).toBe(servedOk)
    expect(summary.operations.rateLimited).toBe(served['429'])
    expect(summary.operations.errors).toBe(served['429'])
    expect(summary.rateLimitedRate).toBeCloseTo(served['429'] / summary.operations.completed, 3)
    expect(summary.thresholds.map((t) => t.ok)).toEqual([false, false])
    expect(summary.passed).toBe(false)
    expect(summary.peopleRecorded).toBe(servedOk)
  })

  it('drops arrivals that find --max-in-flight full instead of queueing them, and keeps its schedule', async () => {
    emulator = await testEmulator({rateLimit: null, faults: {latencyMs: 400}})
    const warnings: string[] = []
    const summary = await runLoadTest(
      options(emulator, {
        startRate: 50,
        stages: parseStages('1s:50'),
        maxInFlight: 2,
        thresholds: parseThresholds(['dropped_iterations count<1']),
        onWarning: (message) => warnings.push(message),
      }),
    )
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/--max-in-flight 2 reached at 0\.\d s: arrivals are being dropped/)
    const {operations} = summary
    expect(operations.planned).toBe(50)
    expect(operations.sent + operations.dropped).toBe(50)
    expect(operations.dropped).toBeGreaterThan(35)
    expect(operations.sent).toBeLessThanOrEqual(8)
    expect(loadRequests(emulator)).toBe(operations.sent)
    expect(summary.stages[0].dropped).toBe(operations.dropped)
    // Slow responses did not hold the arrivals back: dropped ones were decided on time.
    expect(summary.scheduleLagMs.p95).toBeLessThan(50)
    expect(summary.latencyMs.p50).toBeGreaterThanOrEqual(400)
    expect(summary.thresholds[0].ok).toBe(false)
  })

  it('counts timeouts and connection resets as network errors and errors, inside the latency distribution', async () => {
    emulator = await testEmulator({rateLimit: null})
    // Timeouts: every answer takes longer than --timeout. Faults start with the run, after the credentials check.
    const slow = options(emulator, {startRate: 10, stages: parseStages('500ms:10'), timeoutMs: 200, onStart: () => emulator!.setFaults({latencyMs: 1000})})
    const timedOut = await runLoadTest(slow)
    expect(timedOut.operations).toMatchObject({sent: 5, timeouts: 5, networkErrors: 5, errors: 5, ok: 0})
    expect(timedOut.byStatus).toEqual({timeout: 5})
    expect(timedOut.latencyMs.count).toBe(5)
    expect(timedOut.latencyMs.min).toBeGreaterThanOrEqual(190)
    // A timed-out request may still have been applied: its people stay on the cleanup list.
    expect(timedOut.peopleRecorded).toBe(5)

    emulator.setFaults({})
    const resets = options(emulator, {startRate: 10, stages: parseStages('500ms:10'), onStart: () => emulator!.setFaults({resetRate: 1, resetWhen: 'before'})})
    const reset = await runLoadTest(resets)
    expect(reset.operations).toMatchObject({sent: 5, networkErrors: 5, timeouts: 0, errors: 5})
    expect(reset.byStatus).toEqual({network_error: 5})
  })

  it('aborts on a failing threshold within the 2 s check period when asked', async () => {
    emulator = await testEmulator({rateLimit: null, faults: {latencyMs: 300}})
    const summary = await runLoadTest(
      options(emulator, {startRate: 20, stages: parseStages('10s:20'), thresholds: parseThresholds(['p(95)<100']), abortOnFail: true, checkIntervalMs: 500}),
    )
    expect(summary.aborted).toBe('threshold')
    expect(summary.passed).toBe(false)
    expect(summary.operations.sent).toBeLessThan(60)
    expect(summary.durationMs).toBeLessThan(3000)
  })

  it('v2: one batch per arrival; cleanup removes every person the run created', async () => {
    emulator = await testEmulator({rateLimit: null})
    const run = options(emulator, {startRate: 20, stages: parseStages('1s:20'), api: 'v2', batchSize: 5, mix: {identify: 1, track: 1}})
    const summary = await runLoadTest(run)
    expect(summary.operations).toMatchObject({planned: 20, sent: 20, ok: 20, entryErrors: 0})
    expect(emulator.inspect.stats().requests.byRoute['POST /api/v2/batch']).toBe(20)
    expect(summary.peopleRecorded).toBe(100)
    const created = peopleOfRun(emulator, run.runId)
    expect(created).toHaveLength(100)
    // Identified people carry the marker attribute; people first seen through an event carry it on the event.
    const identified = created.filter((person) => Object.keys(person.attributes).length > 0)
    expect(identified.length).toBeGreaterThan(0)
    expect(identified.every((person) => person.attributes._load_test === true && person.attributes.load_test_run === run.runId)).toBe(true)
    const events = emulator.inspect.events().filter((event) => event.data.load_test_run === run.runId)
    expect(identified.length + events.length).toBe(100)
    expect(events.every((event) => event.name === 'load_test_event' && event.data._load_test === true)).toBe(true)

    const record = await readRunRecord(run.stateDir, run.runId)
    expect(record).toMatchObject({status: 'finished', host: emulator.url, siteId: emulator.siteId, createdRanges: [[1, 100]]})
    expect(JSON.stringify(record)).not.toContain(emulator.apiKey)

    const result = await cleanupRun({target: run.target, record, ratePerSecond: 200, maxInFlight: 10, timeoutMs: 5000})
    expect(result).toMatchObject({attempted: 100, deleted: 100, failed: 0})
    expect(peopleOfRun(emulator, run.runId)).toHaveLength(0)
    expect(emulator.inspect.stats().requests.byRoute['DELETE /api/v1/customers/:identifier']).toBe(100)
  })

  it('counts operations still running after --graceful-stop as interrupted, and keeps their people for cleanup', async () => {
    emulator = await testEmulator({rateLimit: null, faults: {latencyMs: 1200}})
    const run = options(emulator, {startRate: 10, stages: parseStages('500ms:10'), gracefulStopMs: 100, mix: {identify: 1, track: 0}})
    const summary = await runLoadTest(run)
    expect(summary.operations).toMatchObject({sent: 5, completed: 0, interrupted: 5})
    expect(summary.latencyMs.count).toBe(0)
    expect(summary.peopleRecorded).toBe(5)
    expect(summary.durationMs).toBeLessThan(1000)

    // The server applies them anyway once their delay is over; cleanup still finds every one.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(peopleOfRun(emulator, run.runId)).toHaveLength(5)
    emulator.setFaults({})
    const record = await readRunRecord(run.stateDir, run.runId)
    const result = await cleanupRun({target: run.target, record, ratePerSecond: 100, maxInFlight: 5, timeoutMs: 5000})
    expect(result.deleted).toBe(5)
    expect(peopleOfRun(emulator, run.runId)).toHaveLength(0)
  })

  it('checks the credentials before anything else and sends nothing when they are wrong', async () => {
    emulator = await testEmulator({rateLimit: null})
    const run = options(emulator, {})
    await expect(runLoadTest({...run, target: {...run.target, apiKey: 'wrong-key'}})).rejects.toThrow(/rejected the site id \/ API key \(HTTP 401\); nothing was sent/)
    expect(emulator.inspect.stats().requests.total).toBe(1)
    expect(loadRequests(emulator)).toBe(0)
    await expect(readRunRecord(run.stateDir, run.runId)).rejects.toThrow(/No record for run/)
  })

  it('paces cleanup with minTime: no sliding second exceeds --rate', async () => {
    emulator = await testEmulator({rateLimit: null})
    const run = options(emulator, {startRate: 60, stages: parseStages('1s:60'), mix: {identify: 1, track: 0}})
    await runLoadTest(run)
    // Skip the run's requests and the cleanup's own credentials check.
    const before = emulator.inspect.requestTimes().length + 1
    const record = await readRunRecord(run.stateDir, run.runId)
    const result = await cleanupRun({target: run.target, record, ratePerSecond: 40, maxInFlight: 5, timeoutMs: 5000})
    expect(result.deleted).toBe(60)
    const deletes = emulator.inspect.requestTimes().slice(before)
    let peak = 0
    for (let i = 0, j = 0; i < deletes.length; i++) {
      while (deletes[i] - deletes[j] >= 1000) j++
      peak = Math.max(peak, i - j + 1)
    }

    expect(peak).toBeLessThanOrEqual(41)
    expect(peopleOfRun(emulator, run.runId)).toHaveLength(0)
  })
})
