import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {parseJson, ROOT, runCli, flat} from '../helpers/cli.js'
import {closeEmulatorAndDir, emulatorAndDir, targetArgs, type TempDir} from '../helpers/emulator.js'

const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/

describe('import lands people and events', () => {
  let emulator: RunningEmulator
  let dir: TempDir
  beforeEach(async () => ({emulator, dir} = await emulatorAndDir()))
  afterEach(() => closeEmulatorAndDir(emulator, dir))

  it('imports the people CSV: attributes as strings, ids never cast, created_at as integer seconds, empty cells omitted', async () => {
    const state = join(dir.path, 'ledger.sqlite')
    const result = await runCli(['import', join(ROOT, 'fixtures/people.csv'), '--type', 'people', ...targetArgs(emulator), '--state', state, '--json'], {cwd: dir.path})
    expect(result.code, result.stderr).toBe(0)
    const summary = parseJson(result.stdout)
    expect(summary).toMatchObject({status: 'completed', rows: {read: 200, succeeded: 200, failed: 0, invalid: 0}, retryFile: null, statePath: state})
    expect(summary.requests.sent).toBeGreaterThanOrEqual(1)
    expect(summary.runId).toMatch(ULID)
    expect(typeof summary.durationMs).toBe('number')

    expect(emulator.inspect.stats().peopleCount).toBe(200)
    const first = emulator.inspect.person('00001')!
    expect(first.id).toBe('00001')
    expect(first.attributes).toMatchObject({first_name: 'Kwame', last_name: "O'Brien", plan: 'team', city: 'São Paulo', company: 'Acme, Inc.', seats: '421'})
    expect(first.attributes.created_at).toBe(1600086400)

    const isoCreated = emulator.inspect.person('00003')!
    expect(isoCreated.attributes.created_at).toBe(Date.parse('2021-04-13T10:00:00Z') / 1000)
    // Row 5's seats cell is empty: it must not overwrite anything with "".
    expect(emulator.inspect.person('00005')!.attributes).not.toHaveProperty('seats')
    // A quoted cell spanning two lines arrives whole.
    expect(emulator.inspect.person('00007')!.attributes.notes).toMatch(/^VIP since \d{4}\nprefers email$/)
  })

  it('imports the events NDJSON: integer timestamps from seconds, ms and ISO, a ULID on every event, anonymous events', async () => {
    const state = join(dir.path, 'ledger.sqlite')
    const result = await runCli(['import', join(ROOT, 'fixtures/events.ndjson'), '--type', 'events', ...targetArgs(emulator), '--state', state, '--json'], {cwd: dir.path})
    expect(result.code, result.stderr).toBe(0)
    expect(parseJson(result.stdout).rows).toEqual({read: 300, succeeded: 300, failed: 0, invalid: 0})

    const events = emulator.inspect.events()
    expect(events).toHaveLength(300)
    const lines = readFileSync(join(ROOT, 'fixtures/events.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    for (const event of events) {
      expect(Number.isInteger(event.timestamp)).toBe(true)
      expect(event.timestamp).toBeLessThan(10_000_000_000)
      expect(event.id).toMatch(ULID)
    }

    const anonymous = events.filter((e) => e.anonymous_id)
    expect(anonymous).toHaveLength(lines.filter((l) => l.anonymous_id).length)
    // Line 2 holds an ISO timestamp: it must arrive as the same instant in seconds.
    const iso = lines[1]
    const match = events.find((e) => e.timestamp === Date.parse(iso.timestamp) / 1000 && e.name === iso.name)
    expect(match?.data).toMatchObject(iso.data)
  })

  it('gives the same event ids when the same file is imported twice, so the second import stores nothing new', async () => {
    const state = join(dir.path, 'ledger.sqlite')
    const args = ['import', join(ROOT, 'fixtures/events.ndjson'), '--type', 'events', ...targetArgs(emulator), '--state', state, '--json']
    expect((await runCli(args, {cwd: dir.path})).code).toBe(0)
    expect((await runCli(args, {cwd: dir.path})).code).toBe(0)
    expect(emulator.inspect.events()).toHaveLength(300)
    expect(emulator.inspect.stats().duplicateEventIds).toBe(300)
  })

  it('sends v1 calls, one per row, when asked', async () => {
    const state = join(dir.path, 'ledger.sqlite')
    const result = await runCli(
      ['import', join(ROOT, 'fixtures/people.csv'), '--type', 'people', '--api', 'v1', '--rate', '400', '--concurrency', '20', ...targetArgs(emulator), '--state', state, '--json'],
      {cwd: dir.path},
    )
    expect(result.code, result.stderr).toBe(0)
    expect(parseJson(result.stdout).requests.sent).toBe(200)
    expect(emulator.inspect.person('00200')!.attributes.created_at).toBeTypeOf('number')
  })

  it('reads several files in one run, gzip and stdin', async () => {
    const {gzipSync} = await import('node:zlib')
    const gz = join(dir.path, 'people.csv.gz')
    const {writeFileSync} = await import('node:fs')
    writeFileSync(gz, gzipSync(readFileSync(join(ROOT, 'fixtures/people.csv'))))
    const state = join(dir.path, 'ledger.sqlite')
    const stdinRows = 'id,plan\nstdin-1,pro\nstdin-2,free\n'
    const result = await runCli(['import', gz, '-', '--type', 'people', ...targetArgs(emulator), '--state', state, '--json'], {cwd: dir.path, input: stdinRows})
    expect(result.code, result.stderr).toBe(0)
    const summary = parseJson(result.stdout)
    expect(summary.files.map((f: {path: string; rows: {succeeded: number}}) => [f.path, f.rows.succeeded])).toEqual([[gz, 200], ['-', 2]])
    expect(emulator.inspect.person('stdin-2')!.attributes.plan).toBe('free')
  })

  it('refuses to run without a target', async () => {
    const result = await runCli(['import', join(ROOT, 'fixtures/people.csv'), '--type', 'people', '--state', join(dir.path, 'l.sqlite')], {cwd: dir.path})
    expect(result.code).toBe(2)
    expect(flat(result.stderr)).toMatch(/No target/)
    expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/)
  })

  it('refuses a file that could only fail (empty, no event name column) before a run exists', async () => {
    const {writeFileSync} = await import('node:fs')
    const state = join(dir.path, 'l.sqlite')
    writeFileSync(join(dir.path, 'empty.csv'), '')
    writeFileSync(join(dir.path, 'events.csv'), 'id,plan\nx,1\n')
    const empty = await runCli(['import', 'empty.csv', '--type', 'people', ...targetArgs(emulator), '--state', state], {cwd: dir.path})
    expect(empty.code).toBe(2)
    expect(flat(empty.stderr)).toMatch(/empty\.csv: file is empty \(rule: empty_file\)/)
    const noName = await runCli(['import', 'events.csv', '--type', 'events', ...targetArgs(emulator), '--state', state], {cwd: dir.path})
    expect(noName.code).toBe(2)
    expect(flat(noName.stderr)).toMatch(/events\.csv: no event name column/)
    expect(parseJson((await runCli(['runs', '--state', state, '--json'], {cwd: dir.path})).stdout).runs).toEqual([])
    expect(emulator.inspect.stats().requests.total).toBe(0)
  })

  it('reports a missing input file with its name and exit 2, no stack trace', async () => {
    const result = await runCli(['import', 'nope.csv', '--type', 'people', ...targetArgs(emulator), '--state', join(dir.path, 'l.sqlite')], {cwd: dir.path})
    expect(result.code).toBe(2)
    expect(flat(result.stderr)).toMatch(/nope\.csv/)
    expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/)
  })
})
