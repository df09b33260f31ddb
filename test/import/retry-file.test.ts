import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {parse} from 'csv-parse/sync'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {flat, parseJson, ROOT, runCli} from '../helpers/cli.js'
import {closeEmulatorAndDir, emulatorAndDir, targetArgs, type TempDir, testEmulator} from '../helpers/emulator.js'

describe('invalid and failed rows go to a retry file in the input format', () => {
  let emulator: RunningEmulator
  let dir: TempDir
  beforeEach(async () => ({emulator, dir} = await emulatorAndDir()))
  afterEach(() => closeEmulatorAndDir(emulator, dir))

  it('keeps the CSV header and quoting, adds _line and _error, exits 1, and round-trips', async () => {
    const state = join(dir.path, 'ledger.sqlite')
    const retry = join(dir.path, 'retry.csv')
    const result = await runCli(
      ['import', join(ROOT, 'fixtures/people-with-errors.csv'), '--type', 'people', ...targetArgs(emulator), '--state', state, '--retry-file', retry, '--json'],
      {cwd: dir.path},
    )
    expect(result.code, result.stderr).toBe(1)
    const summary = parseJson(result.stdout)
    expect(summary.status).toBe('completed_with_failures')
    expect(summary.rows).toEqual({read: 6, succeeded: 2, failed: 0, invalid: 4})
    expect(summary.retryFile).toBe(retry)

    const text = readFileSync(retry, 'utf8')
    const rows = parse(text, {columns: true}) as Array<Record<string, string>>
    expect(Object.keys(rows[0])).toEqual(['id', 'email', 'first_name', 'plan', 'created_at', 'bio', '_line', '_error'])
    // u-5's bio spans lines 6-7, so the last bad row starts on line 8.
    expect(rows.map((r) => r._line)).toEqual(['3', '4', '5', '8'])
    expect(rows[0]._error).toMatch(/identifier/)
    expect(rows[1]._error).toMatch(/created_at/)
    expect(rows[2]._error).toMatch(/cannot be longer than 1000 bytes/)
    expect(rows[3]._error).toMatch(/150 bytes/)
    expect(emulator.inspect.person('u-5')!.attributes.first_name).toBe('Five, "the fifth"')

    // Fix one row in the retry file and import it again with the same command: _line/_error are ignored.
    const fixed = text.replace('not-a-date', '1700000003')
    writeFileSync(retry, fixed)
    const again = await runCli(
      ['import', retry, '--type', 'people', ...targetArgs(emulator), '--state', state, '--retry-file', join(dir.path, 'retry2.csv'), '--json'],
      {cwd: dir.path},
    )
    expect(again.code, again.stderr).toBe(1)
    expect(parseJson(again.stdout).rows).toEqual({read: 4, succeeded: 1, failed: 0, invalid: 3})
    const u3 = emulator.inspect.person('u-3')!
    expect(u3.attributes.created_at).toBe(1700000003)
    expect(u3.attributes).not.toHaveProperty('_line')
    expect(u3.attributes).not.toHaveProperty('_error')
    // The second retry file replaces _line/_error rather than adding a second pair.
    const second = parse(readFileSync(join(dir.path, 'retry2.csv'), 'utf8'), {columns: true}) as Array<Record<string, string>>
    expect(Object.keys(second[0])).toEqual(['id', 'email', 'first_name', 'plan', 'created_at', 'bio', '_line', '_error'])
    expect(second).toHaveLength(3)
  })

  it('maps 207 batch_index errors back to their rows, which fail with Customer.io\'s message', async () => {
    const state = join(dir.path, 'ledger.sqlite')
    // The emulator refuses one entry on its own (207) while the rest of the batch lands. (An unknown
    // cio_id no longer serves here: like production, the emulator drops it behind a 200.)
    emulator.setFaults({rejectEntriesContaining: 'poison'})
    const input = join(dir.path, 'rows.csv')
    writeFileSync(input, 'id,plan\np1,pro\np-x,poison\np2,team\n')
    const retry = join(dir.path, 'retry.csv')
    const args = ['import', input, '--type', 'people', ...targetArgs(emulator), '--state', state, '--retry-file', retry, '--json']
    const result = await runCli(args, {cwd: dir.path})
    expect(result.code, result.stderr).toBe(1)
    const summary = parseJson(result.stdout)
    expect(summary.rows).toEqual({read: 3, succeeded: 2, failed: 1, invalid: 0})
    expect(summary.requests.sent).toBe(1)
    expect(summary.failuresByRule).toEqual([{kind: 'failed', rule: 'rejected_by_api', count: 1}])
    const rows = parse(readFileSync(retry, 'utf8'), {columns: true}) as Array<Record<string, string>>
    expect(rows).toEqual([{id: 'p-x', plan: 'poison', _line: '3', _error: expect.stringMatching(/the entry was rejected/)}])
    expect(emulator.inspect.person('p1')!.attributes.plan).toBe('pro')
    expect(emulator.inspect.person('p2')!.attributes.plan).toBe('team')
  })

  it('splits a batch refused as a whole (400) to isolate the bad rows; good rows in it still land', async () => {
    await emulator.close()
    emulator = await testEmulator({faults: {refuseBodiesContaining: 'POISON'}})
    const input = join(dir.path, 'events.ndjson')
    const lines = []
    for (let i = 1; i <= 100; i++) {
      lines.push(JSON.stringify({id: `p${i % 9}`, name: 'ping', timestamp: 1700000000 + i, data: {n: i, note: i === 17 || i === 64 ? 'POISON' : 'fine'}}))
    }
    writeFileSync(input, lines.join('\n') + '\n')
    const retry = join(dir.path, 'retry.ndjson')
    const result = await runCli(
      ['import', input, '--type', 'events', '--max-body-bytes', '6000', ...targetArgs(emulator), '--state', join(dir.path, 'l.sqlite'), '--retry-file', retry, '--json'],
      {cwd: dir.path},
    )
    expect(result.code, result.stderr).toBe(1)
    const summary = parseJson(result.stdout)
    expect(summary.rows).toEqual({read: 100, succeeded: 98, failed: 2, invalid: 0})
    const failed = readFileSync(retry, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(failed.map((f) => f._line)).toEqual([17, 64])
    expect(failed[0]._error).toMatch(/refused as malformed/)
    const landed = emulator.inspect.events().map((e) => e.data.n as number).sort((a, b) => a - b)
    expect(landed).toEqual(Array.from({length: 100}, (_, i) => i + 1).filter((n) => n !== 17 && n !== 64))
  })

  it('writes NDJSON failures as the lines read plus _line and _error', async () => {
    const input = join(dir.path, 'events.ndjson')
    writeFileSync(
      input,
      [
        JSON.stringify({id: 'p1', name: 'ok', timestamp: 1700000000}),
        JSON.stringify({id: 'p1', name: 'x'.repeat(101), timestamp: 1700000000}),
        '{"id": "p2", "name": broken',
        JSON.stringify({id: 'p2', name: 'ok too', timestamp: '2024-01-01T00:00:00Z'}),
      ].join('\n') + '\n',
    )
    const retry = join(dir.path, 'events.retry.ndjson')
    const result = await runCli(['import', input, '--type', 'events', ...targetArgs(emulator), '--state', join(dir.path, 'l.sqlite'), '--retry-file', retry, '--json'], {
      cwd: dir.path,
    })
    expect(result.code, result.stderr).toBe(1)
    const lines = readFileSync(retry, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatchObject({id: 'p1', _line: 2})
    expect(lines[0]._error).toMatch(/event name cannot be longer than 100 bytes/)
    expect(lines[1]).toMatchObject({_line: 3, _raw: '{"id": "p2", "name": broken'})
    expect(emulator.inspect.events()).toHaveLength(2)
  })

  it('refuses a retry file that could not be written before sending anything', async () => {
    const result = await runCli(
      ['import', join(ROOT, 'fixtures/people-with-errors.csv'), '--type', 'people', ...targetArgs(emulator), '--state', join(dir.path, 'l.sqlite'), '--retry-file', join(dir.path, 'no/such/dir/r.csv')],
      {cwd: dir.path},
    )
    expect(result.code).toBe(2)
    expect(flat(result.stderr)).toMatch(/does not exist or cannot be written \(rule: retry_file_unwritable\)/)
    expect(emulator.inspect.stats().requests.total).toBe(0)
  })

  it('names the default retry file after the input and the run id, in the current directory', async () => {
    const result = await runCli(
      ['import', join(ROOT, 'fixtures/people-with-errors.csv'), '--type', 'people', ...targetArgs(emulator), '--state', join(dir.path, 'l.sqlite'), '--json'],
      {cwd: dir.path},
    )
    const summary = parseJson(result.stdout)
    expect(summary.retryFile).toBe(join(dir.path, `people-with-errors.${summary.runId}.retry.csv`))
  })

  it('keeps one run suffix when a retry file is imported again, and _error holds the rule code and the message', async () => {
    const state = join(dir.path, 'l.sqlite')
    const first = parseJson(
      (await runCli(['import', join(ROOT, 'fixtures/people-with-errors.csv'), '--type', 'people', ...targetArgs(emulator), '--state', state, '--json'], {cwd: dir.path})).stdout,
    )
    const rows = parse(readFileSync(first.retryFile, 'utf8'), {columns: true}) as Array<Record<string, string>>
    expect(rows.map((r) => r._error.split(':')[0])).toEqual(['identifier_missing', 'timestamp_invalid', 'attribute_value_too_long', 'identifier_too_long'])
    expect(rows[1]._error).toMatch(/^timestamp_invalid: .*created_at/)

    const again = await runCli(['import', first.retryFile, '--type', 'people', ...targetArgs(emulator), '--state', state, '--json'], {cwd: dir.path})
    expect(again.code, again.stderr).toBe(1)
    const second = parseJson(again.stdout)
    expect(second.runId).not.toBe(first.runId)
    expect(second.retryFile).toBe(join(dir.path, `people-with-errors.${second.runId}.retry.csv`))
    const rows2 = parse(readFileSync(second.retryFile, 'utf8'), {columns: true}) as Array<Record<string, string>>
    expect(rows2.map((r) => r._line)).toEqual(['2', '3', '4', '5'])
    expect(rows2[0]._error).toMatch(/^identifier_missing: /)
  })
})
