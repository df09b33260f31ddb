import {parse} from 'csv-parse/sync'
import {readFileSync, utimesSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {flat, parseJson, runCli} from '../helpers/cli.js'
import {closeEmulatorAndDir, emulatorAndDir, targetArgs, type TempDir, testEmulator} from '../helpers/emulator.js'

/**
 * One export with every silent path production takes: a lead merged into a new id, an email that
 * belongs to someone else (attribute update failure), an unknown cio_id (dropped), and two people
 * on the workspace's suppression list (ignored). Every row is answered 200.
 */
const PEOPLE = [
  'id,email,cio_id,plan',
  ',lead@example.com,,free',
  'u1,lead@example.com,,pro',
  'a,a@example.com,,free',
  'c,a@example.com,,team',
  ',,ffff0000,pro',
  's1,,,pro',
  ',blocked@example.com,,pro',
  'ok,ok@example.com,,gold',
  '',
].join('\n')
const SUPPRESSED = ['s1', 'blocked@example.com']

let emulator: RunningEmulator
let dir: TempDir
let input: string
let state: string

beforeEach(async () => {
  ;({emulator, dir} = await emulatorAndDir({suppressed: SUPPRESSED}))
  input = join(dir.path, 'people.csv')
  state = join(dir.path, 'ledger.sqlite')
  writeFileSync(input, PEOPLE)
})
afterEach(() => closeEmulatorAndDir(emulator, dir))

async function importToEmulator(): Promise<string> {
  const result = await runCli(['import', input, '--type', 'people', ...targetArgs(emulator), '--state', state, '--json'], {cwd: dir.path})
  expect(result.code, result.stderr).toBe(0)
  return parseJson(result.stdout).runId as string
}

function verifyArgs(...extra: string[]): string[] {
  return ['verify', '--app-endpoint', emulator.url, '--state', state, ...extra]
}

describe('import --emulator reports what production would do silently', () => {
  it('counts merges, attribute update failures, dropped cio_ids and suppressed people, with one line each in a report file', async () => {
    const list = join(dir.path, 'suppressed.txt')
    writeFileSync(list, `# suppression list\n${SUPPRESSED.join('\n')}\n`)
    const result = await runCli(['import', input, '--type', 'people', '--emulator', '--emulator-suppressed', list, '--state', state, '--json'], {cwd: dir.path})
    expect(result.code, result.stderr).toBe(0)
    const summary = parseJson(result.stdout)
    // Every row is answered 200, as production answers them: the counters alone would call this a clean run.
    expect(summary.rows).toEqual({read: 8, succeeded: 8, failed: 0, invalid: 0})
    const reportFile = join(dir.path, `people.${summary.runId}.rehearsal.ndjson`)
    expect(summary.rehearsal).toEqual({merged: 1, notApplied: 1, dropped: 1, ignored: 2, reportFile})
    expect(result.stderr).toContain(
      `would be merged: 1, silently not applied: 1 (attribute update failures), dropped: 1 (unknown cio_id), ignored: 2 (suppressed); one line each in ${reportFile}`,
    )

    const lines = readFileSync(reportFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    // Each case names the input row it came from.
    expect(lines.map((l) => [l.kind, l.identifier, l.file, l.line])).toEqual([
      ['merged', 'id:u1', input, 3],
      ['not_applied', 'id:c', input, 5],
      ['dropped', 'cio_id:ffff0000', input, 6],
      ['ignored', 'id:s1', input, 7],
      ['ignored', 'email:blocked@example.com', input, 8],
    ])
    expect(lines[1]).toMatchObject({detail: expect.stringMatching(/attribute update failure: email 'a@example.com' belongs to cio_id \w+, whose id is already 'a'/), entry: {identifiers: {id: 'c'}, attributes: {email: 'a@example.com', plan: 'team'}}})
  })

  it('finds the input line of a v1 call, and of the second of two identical rows', async () => {
    writeFileSync(input, 'id,email,plan\na,a@example.com,free\nc,a@example.com,team\nok,ok@example.com,gold\nc,a@example.com,team\n')
    const result = await runCli(['import', input, '--type', 'people', '--api', 'v1', '--emulator', '--state', state, '--json'], {cwd: dir.path})
    expect(result.code, result.stderr).toBe(0)
    const summary = parseJson(result.stdout)
    expect(summary.rehearsal).toMatchObject({merged: 0, notApplied: 2, dropped: 0, ignored: 0})
    const lines = readFileSync(summary.rehearsal.reportFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(lines.map((l) => [l.kind, l.identifier, l.line, l.entry])).toEqual([
      ['not_applied', 'id:c', 3, {identifier: 'c', body: {email: 'a@example.com', plan: 'team'}}],
      ['not_applied', 'id:c', 5, {identifier: 'c', body: {email: 'a@example.com', plan: 'team'}}],
    ])
  })

  it('a clean rehearsal says zeros and writes no report file', async () => {
    writeFileSync(input, 'id,plan\np1,pro\n')
    const result = await runCli(['import', input, '--type', 'people', '--emulator', '--state', state, '--json'], {cwd: dir.path})
    expect(result.code, result.stderr).toBe(0)
    expect(parseJson(result.stdout).rehearsal).toEqual({merged: 0, notApplied: 0, dropped: 0, ignored: 0, reportFile: null})
  })
})

describe('verify reads the people back through the App API', () => {
  it('finds exactly the people production lost or changed, and writes their rows to import again', async () => {
    const runId = await importToEmulator()
    const result = await runCli(verifyArgs(runId, '--all', '--json'), {cwd: dir.path, env: {CIO_APP_API_KEY: emulator.appApiKey}})
    expect(result.code, result.stderr).toBe(1)
    const report = parseJson(result.stdout)
    expect(report).toMatchObject({runId, people: 8, checked: 8, equal: 3, missing: 4, different: 1, exitCode: 1, requests: {throttled: 0}})
    expect(report.mismatches.filter((m: {outcome: string}) => m.outcome === 'missing').map((m: {identifier: string}) => m.identifier).sort()).toEqual(
      ['cio_id:ffff0000', 'email:blocked@example.com', 'id:c', 'id:s1'],
    )
    // The lead became u1 (merge): the row keyed by its email set plan "free", u1's later row set "pro".
    expect(report.mismatches.filter((m: {outcome: string}) => m.outcome === 'different')).toEqual([
      {identifier: 'email:lead@example.com', outcome: 'different', differences: [{attribute: 'plan', sent: 'free', found: 'pro'}]},
    ])

    const file = join(dir.path, `people.${runId}.verify.csv`)
    expect(report.mismatchFiles).toEqual([file])
    const rows = parse(readFileSync(file, 'utf8'), {columns: true}) as Array<Record<string, string>>
    expect(rows.map((r) => r._line)).toEqual(['2', '5', '6', '7', '8'])
    expect(rows[1]).toEqual({id: 'c', email: 'a@example.com', cio_id: '', plan: 'team', _line: '5', _error: 'verify_missing: not found by the App API (id_type=id)'})
    // The file is in the input's format: import takes it as it is (_line and _error are ignored).
    const again = await runCli(['import', file, '--type', 'people', ...targetArgs(emulator), '--state', state, '--json'], {cwd: dir.path})
    expect(parseJson(again.stdout).rows).toEqual({read: 5, succeeded: 5, failed: 0, invalid: 0})
  })

  it('prints a readable report; compares values as the App API returns them (strings) and says nothing of equal people', async () => {
    writeFileSync(input, 'id,plan,age,created_at\np1,pro,42,2024-01-02T03:04:05Z\np2,free,7,\np1,team,43,\n')
    const runId = await importToEmulator()
    const result = await runCli(verifyArgs('--all', '--app-key', emulator.appApiKey), {cwd: dir.path})
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(new RegExp(`^Verify run ${runId}: 2 of 2 people read back from ${emulator.url.replaceAll('.', '\\.')} in [\\d.]+s\\n  equal: 2, missing: 0, different: 0\\n$`))
  })

  it('retries the App API\'s 429s and still compares everyone', async () => {
    await emulator.close()
    // One read a second: the fixture needs three calls (id, email and cio_id people), so two meet a 429.
    emulator = await testEmulator({suppressed: SUPPRESSED, appRateLimit: {limit: 1, windowMs: 1000}})
    await importToEmulator()
    const result = await runCli(verifyArgs('--all', '--json', '--app-key', emulator.appApiKey), {cwd: dir.path})
    const report = parseJson(result.stdout)
    expect(report).toMatchObject({checked: 8, equal: 3, missing: 4, different: 1})
    expect(report.requests.throttled).toBeGreaterThan(0)
    expect(report.requests.sent).toBe(3 + report.requests.throttled)
  })

  it('--sample reads back that many people', async () => {
    await importToEmulator()
    const result = await runCli(verifyArgs('--sample', '3', '--json', '--app-key', emulator.appApiKey), {cwd: dir.path})
    expect(parseJson(result.stdout)).toMatchObject({people: 8, checked: 3})
  })

  it('a refused App API key exits 3 and is never printed; no key at all is a usage error', async () => {
    await importToEmulator()
    const secret = 'wrong-secret-app-key'
    const refused = await runCli(verifyArgs('--all', '--app-key', secret), {cwd: dir.path})
    expect(refused.code).toBe(3)
    expect(flat(refused.stderr)).toMatch(/refused the App API key \(HTTP 401\)/)
    expect(refused.stdout + refused.stderr).not.toContain(secret)

    const none = await runCli(verifyArgs('--all'), {cwd: dir.path})
    expect(none.code).toBe(2)
    expect(flat(none.stderr)).toMatch(/No App API key/)
  })

  it('refuses an input that changed since the run', async () => {
    const runId = await importToEmulator()
    writeFileSync(input, PEOPLE.replace('gold', 'lead'))
    utimesSync(input, new Date(), new Date(Date.now() + 5000))
    const result = await runCli(verifyArgs(runId, '--all', '--app-key', emulator.appApiKey), {cwd: dir.path})
    expect(result.code).toBe(2)
    expect(flat(result.stderr)).toMatch(/people\.csv changed since the run began/)
  })

  it('refuses an events run: the App API reads people', async () => {
    const events = join(dir.path, 'events.csv')
    writeFileSync(events, 'id,name\np1,signed_up\n')
    const imported = await runCli(['import', events, '--type', 'events', ...targetArgs(emulator), '--state', state, '--json'], {cwd: dir.path})
    const runId = parseJson(imported.stdout).runId as string
    const result = await runCli(verifyArgs(runId, '--app-key', emulator.appApiKey), {cwd: dir.path})
    expect(result.code).toBe(2)
    expect(flat(result.stderr)).toMatch(/imported events; verify reads people back/)
  })
})
