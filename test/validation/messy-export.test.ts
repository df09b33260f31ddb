import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {flat, parseJson, runCli} from '../helpers/cli.js'
import {closeEmulatorAndDir, emulatorAndDir, targetArgs, type TempDir} from '../helpers/emulator.js'
import {messyExport} from '../helpers/messy-export.js'

let emulator: RunningEmulator
let dir: TempDir
beforeEach(async () => ({emulator, dir} = await emulatorAndDir()))
afterEach(() => closeEmulatorAndDir(emulator, dir))

const messy = messyExport()

function files(): {input: string; mapping: string; typo: string} {
  const input = join(dir.path, 'export.csv')
  const mapping = join(dir.path, 'mapping.json')
  const typo = join(dir.path, 'typo.json')
  writeFileSync(input, messy.csv)
  writeFileSync(mapping, JSON.stringify(messy.mapping))
  writeFileSync(typo, JSON.stringify(messy.typoMapping))
  return {input, mapping, typo}
}

describe('the messy export (issue 12): validate predicts import', () => {
  it('the generator makes every case of the scenario', () => {
    const t = messy.truth
    expect(t.invalidByRule.identifier_missing).toBeGreaterThan(0)
    expect(t.invalidByRule.timestamp_invalid).toBeGreaterThan(0)
    expect(t.emailConflictLines.length).toBeGreaterThan(5)
    expect(t.duplicateRows).toBeGreaterThan(0)
    expect([...t.identifiers.values()].filter((i) => 'email' in i).length).toBeGreaterThan(5)
    expect(messyExport().csv).toBe(messy.csv)
  })

  it('a typo in the mapping stops validate and import alike (exit 2), naming the header name meant', async () => {
    const {input, typo} = files()
    const state = join(dir.path, 'ledger.sqlite')
    const validated = await runCli(['validate', input, '--type', 'people', '--mapping', typo], {cwd: dir.path})
    const imported = await runCli(['import', input, '--type', 'people', '--mapping', typo, ...targetArgs(emulator), '--state', state], {cwd: dir.path})
    for (const result of [validated, imported]) {
      expect(result.code).toBe(2)
      expect(flat(result.stdout + result.stderr)).toContain(`the mapping names column 'Emial', which is not in the header (did you mean "Email"?)`)
    }
    expect(emulator.inspect.stats().requests.total).toBe(0)
  })

  it('validate and import --dry-run give the same predictions, and they are the truth', async () => {
    const {input, mapping} = files()
    const validated = await runCli(['validate', input, '--type', 'people', '--mapping', mapping, '--json', '--rejects-file', join(dir.path, 'a.csv')])
    const dryRun = await runCli(['import', input, '--type', 'people', '--mapping', mapping, '--dry-run', '--json', '--retry-file', join(dir.path, 'b.csv')])
    expect(validated.code).toBe(1)
    expect(dryRun.code).toBe(1)
    const a = parseJson(validated.stdout)
    const b = parseJson(dryRun.stdout)
    for (const report of [a, b]) {
      delete report.durationMs
      report.files[0].rejectsFile = null
    }
    expect(b).toEqual(a)

    const t = messy.truth
    expect(a.rows).toEqual({read: t.rows, valid: t.valid, invalid: t.rows - t.valid})
    expect(Object.fromEntries(a.invalidByRule.map((r: {rule: string; count: number}) => [r.rule, r.count]))).toEqual(t.invalidByRule)
    expect(a.emailConflicts.rows).toBe(t.emailConflictLines.length)
    expect(a.emailConflicts.keys).toBe(t.emailConflictKeys)
    expect(a.duplicates.rows).toBe(t.duplicateRows)
    const shown = new Set(a.emailConflicts.examples.flatMap((e: {lines: Array<{line: number}>}) => e.lines.slice(1).map((l) => l.line)))
    for (const line of shown) expect(t.emailConflictLines).toContain(line)

    const human = await runCli(['validate', input, '--type', 'people', '--mapping', mapping, '--rejects-file', join(dir.path, 'c.csv')])
    expect(human.stdout).toContain(`Emails set by different people: ${t.emailConflictLines.length} rows set an email that an earlier row gave another person`)
    expect(human.stdout).toContain('Customer.io will merge or silently not apply these')
  })

  it('the rehearsal reports exactly the email conflicts validate predicted, as production would: answered 200, not applied', async () => {
    const {input, mapping} = files()
    const validated = parseJson((await runCli(['validate', input, '--type', 'people', '--mapping', mapping, '--json', '--rejects-file', join(dir.path, 'r.csv')])).stdout)
    const result = await runCli(
      ['import', input, '--type', 'people', '--mapping', mapping, '--emulator', '--state', join(dir.path, 'l.sqlite'), '--json'],
      {cwd: dir.path},
    )
    expect(result.code, result.stderr).toBe(1)
    const summary = parseJson(result.stdout)
    expect(summary.rows).toEqual({read: validated.rows.read, succeeded: validated.rows.valid, failed: 0, invalid: validated.rows.invalid})
    expect(summary.requests.sent).toBe(validated.plan.requests)
    expect(summary.warnings).toEqual([])
    // Production answers every conflicting row 200 and writes nothing of it: the counters say "succeeded",
    // the rehearsal says which rows, and they are the rows validate counted.
    expect(summary.rehearsal).toMatchObject({merged: 0, notApplied: validated.emailConflicts.rows, dropped: 0, ignored: 0})
    const report = readFileSync(summary.rehearsal.reportFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(report.map((r: {kind: string}) => r.kind)).toEqual(messy.truth.emailConflictLines.map(() => 'not_applied'))
    expect(report.map((r: {line: number}) => r.line)).toEqual(messy.truth.emailConflictLines)
  })

  it('verify after the import finds the people those conflicts left behind, and no one else', async () => {
    const {input, mapping} = files()
    const state = join(dir.path, 'l.sqlite')
    const imported = await runCli(['import', input, '--type', 'people', '--mapping', mapping, ...targetArgs(emulator), '--state', state, '--json'])
    expect(imported.code, imported.stderr).toBe(1)
    const {runId} = parseJson(imported.stdout)
    expect(emulator.inspect.silent('not_applied').length).toBe(messy.truth.emailConflictLines.length)

    const conflict = new Set(messy.truth.emailConflictLines)
    const rowsOf = new Map<string, number[]>()
    for (const [line, who] of messy.truth.identifiers) {
      const key = 'id' in who ? `id:${who.id}` : `email:${who.email.toLowerCase()}`
      rowsOf.set(key, [...(rowsOf.get(key) ?? []), line])
    }

    const verified = await runCli(['verify', runId, '--all', '--json', '--app-endpoint', emulator.url, '--state', state], {
      cwd: dir.path,
      env: {CIO_APP_API_KEY: emulator.appApiKey},
    })
    expect(verified.code, verified.stderr).toBe(1)
    const report = parseJson(verified.stdout)
    expect(report.checked).toBe(rowsOf.size)
    expect(report.equal + report.missing + report.different).toBe(report.checked)
    const flagged = new Set<string>(report.mismatches.map((m: {identifier: string}) => m.identifier))
    // Everyone whose last row was a conflict is flagged; everyone flagged had a conflicting row.
    for (const [key, lines] of rowsOf) {
      if (conflict.has(lines.at(-1)!)) expect(flagged.has(key), `${key} (last row ${lines.at(-1)})`).toBe(true)
      if (flagged.has(key)) expect(lines.some((l) => conflict.has(l)), `${key} flagged without a conflicting row`).toBe(true)
    }

    // Dates written MM/DD/YYYY land as Unix seconds; each person holds its last applied row's.
    for (const [key, lines] of rowsOf) {
      const applied = lines.filter((l) => !conflict.has(l))
      if (applied.length === 0) continue
      const identifier = key.replace(/^(id|email):/, '')
      expect(emulator.inspect.person(identifier)?.attributes.created_at, `${key}`).toBe(messy.truth.createdAt.get(applied.at(-1)!))
    }
  })
})
