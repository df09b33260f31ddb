import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import Database from 'better-sqlite3'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {createMapper, deriveEventId, type EventIdScheme} from '../../src/mapping/index.js'
import {fingerprintInput, openSource} from '../../src/source/index.js'
import {parseJson, runCli} from '../helpers/cli.js'
import {closeEmulatorAndDir, emulatorAndDir, targetArgs, type TempDir} from '../helpers/emulator.js'

const ROWS = 300
const BASE_SECONDS = 1_705_312_800

let emulator: RunningEmulator
let dir: TempDir
let input: string
let state: string
beforeEach(async () => {
  ;({emulator, dir} = await emulatorAndDir())
  input = join(dir.path, 'events.ndjson')
  state = join(dir.path, 'ledger.sqlite')
  // Row i is on line i + 1 and carries it as `seq`, so each stored event says which line it came from.
  const lines = Array.from({length: ROWS}, (_, i) => JSON.stringify({id: `u${i % 40}`, name: 'viewed', timestamp: BASE_SECONDS + i, seq: i + 1}))
  writeFileSync(input, lines.join('\n') + '\n')
})
afterEach(async () => closeEmulatorAndDir(emulator, dir))

/** A run that is recorded but has nothing acknowledged: every batch got a 503 and no retry was allowed. */
async function stoppedRun(): Promise<string> {
  emulator.setFaults({forceStatus: 503})
  const stopped = await runCli(['import', input, '--type', 'events', '--retry-base-ms', '5', '--max-retries', '0', ...targetArgs(emulator), '--state', state, '--json'], {
    cwd: dir.path,
  })
  expect(stopped.code, stopped.stderr).toBe(5)
  emulator.setFaults({})
  return parseJson(stopped.stdout).runId as string
}

function recordedConfig(runId: string): Record<string, unknown> {
  const db = new Database(state, {readonly: true})
  try {
    return JSON.parse(db.prepare('SELECT config FROM runs WHERE id = ?').pluck().get(runId) as string)
  } finally {
    db.close()
  }
}

/** What a ledger written before id schemes holds: the same config without `eventIdScheme`. */
function forgetScheme(runId: string): void {
  const db = new Database(state)
  try {
    db.prepare(`UPDATE runs SET config = json_remove(config, '$.eventIdScheme') WHERE id = ?`).run(runId)
  } finally {
    db.close()
  }
}

/**
 * Sends the first rows the way a process of the run's scheme did before it was killed between the
 * send and the ledger commit: Customer.io has them, the ledger does not.
 */
async function sentBeforeTheCrash(rows: number, scheme: EventIdScheme): Promise<void> {
  const {headHash, size} = await fingerprintInput(input)
  const mapper = createMapper({type: 'events', eventIdSeed: `${headHash}:${size}`, eventIdScheme: scheme})
  const source = await openSource(input, {format: 'ndjson'})
  const batch: unknown[] = []
  try {
    for await (const record of source.records()) {
      if (batch.length === rows) break
      const result = mapper.map(record)
      if (!result.ok) throw new Error(result.violation.message)
      batch.push(result.op.entry)
    }
  } finally {
    source.close()
  }
  const response = await fetch(`${emulator.url}/api/v2/batch`, {
    method: 'POST',
    headers: {'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${emulator.siteId}:${emulator.apiKey}`).toString('base64')}`},
    body: JSON.stringify({batch}),
  })
  expect(response.status).toBe(200)
  expect(emulator.inspect.events()).toHaveLength(rows)
}

async function expectIdsOfScheme(scheme: EventIdScheme): Promise<void> {
  const {headHash, size} = await fingerprintInput(input)
  const events = emulator.inspect.events()
  expect(events).toHaveLength(ROWS)
  const wrong = events.filter((e) => e.id !== deriveEventId(`${headHash}:${size}`, e.data.seq as number, (e.timestamp as number) * 1000, scheme))
  expect(wrong).toEqual([])
}

async function resume(runId: string): Promise<void> {
  const resumed = await runCli(['resume', runId, ...targetArgs(emulator), '--state', state, '--json'], {cwd: dir.path})
  expect(resumed.code, resumed.stderr).toBe(0)
  expect(parseJson(resumed.stdout).rows).toEqual({read: ROWS, succeeded: ROWS, failed: 0, invalid: 0})
}

describe('the event id scheme a run was created with', () => {
  it('is recorded in the run config of a new run, and that run sends scheme-2 ids', async () => {
    const runId = await stoppedRun()
    expect(recordedConfig(runId)).toMatchObject({eventIdScheme: 2})
    const shown = await runCli(['runs', 'show', runId, '--state', state, '--json'], {cwd: dir.path})
    expect(shown.code, shown.stderr).toBe(0)
    expect(parseJson(shown.stdout).config.eventIdScheme).toBe(2)
    await resume(runId)
    await expectIdsOfScheme(2)
  })

  it('a run recorded before schemes existed (no eventIdScheme) resumes with scheme-1 ids: rows its old process sent are not stored twice', async () => {
    const runId = await stoppedRun()
    forgetScheme(runId)
    expect(recordedConfig(runId)).not.toHaveProperty('eventIdScheme')
    await sentBeforeTheCrash(100, 1)

    await resume(runId)
    await expectIdsOfScheme(1)
    expect(emulator.inspect.stats().duplicateEventIds).toBe(100)
    // The resume leaves the recorded config as it found it: a later resume derives the same ids again.
    expect(recordedConfig(runId)).not.toHaveProperty('eventIdScheme')
  })

  it('with scheme 2 recorded, rows sent before a crash are not stored twice either', async () => {
    const runId = await stoppedRun()
    await sentBeforeTheCrash(100, 2)
    await resume(runId)
    await expectIdsOfScheme(2)
    expect(emulator.inspect.stats().duplicateEventIds).toBe(100)
  })
})
