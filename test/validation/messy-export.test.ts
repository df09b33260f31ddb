import {parse} from 'csv-parse/sync'
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

  it('a real import into the emulator agrees with validate on everything validate can know', async () => {
    const {input, mapping} = files()
    const validated = parseJson((await runCli(['validate', input, '--type', 'people', '--mapping', mapping, '--json', '--rejects-file', join(dir.path, 'r.csv')])).stdout)
    const retry = join(dir.path, 'retry.csv')
    const args = ['import', input, '--type', 'people', '--mapping', mapping, ...targetArgs(emulator), '--state', join(dir.path, 'l.sqlite')]
    const imported = await runCli([...args, '--retry-file', retry, '--concurrency', '1', '--json'])
    expect(imported.code).toBe(1)
    const summary = parseJson(imported.stdout)
    expect(summary.rows.read).toBe(validated.rows.read)
    expect(summary.rows.invalid).toBe(validated.rows.invalid)
    expect(summary.requests.sent).toBe(validated.plan.requests)
    expect(summary.warnings).toEqual([])

    // Invalid rows carry the rules validate counted; the rows the emulator refused are exactly the
    // email conflicts validate predicted (real Customer.io answers 200 to them and drops the email).
    const rows = parse(readFileSync(retry, 'utf8'), {columns: true}) as Array<Record<string, string>>
    const refused: number[] = []
    let invalid = 0
    for (const row of rows) {
      if (/already belongs to another person/.test(row._error)) refused.push(Number(row._line))
      else invalid++
    }
    expect(invalid).toBe(validated.rows.invalid)
    expect(refused).toEqual(messy.truth.emailConflictLines)
    expect(refused.length).toBe(validated.emailConflicts.rows)
    expect(summary.rows.failed).toBe(validated.emailConflicts.rows)

    // Dates written MM/DD/YYYY land as Unix seconds; id-less rows land under their email.
    // The person holds the last applied row's date.
    const last = new Map<string, number>()
    for (const [line, who] of messy.truth.identifiers) {
      if (!messy.truth.emailConflictLines.includes(line)) last.set('id' in who ? who.id : who.email, line)
    }
    expect(last.size).toBe(emulator.inspect.stats().peopleCount)
    for (const [identifier, line] of last) {
      expect(emulator.inspect.person(identifier)?.attributes.created_at, `line ${line}`).toBe(messy.truth.createdAt.get(line))
    }
  })
})
