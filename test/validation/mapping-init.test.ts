import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, afterEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {loadMappingFile} from '../../src/mapping/index.js'
import {parseJson, runCli, tempDir} from '../helpers/cli.js'
import {targetArgs, testEmulator} from '../helpers/emulator.js'
import {messyExport} from '../helpers/messy-export.js'

const work = tempDir('mapping-init-')
afterAll(() => work.cleanup())
let emulator: RunningEmulator | undefined
afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})

/** A CRM export where no column has a standard name. */
const CRM = [
  'Customer No,E-Mail,Signed Up,LTV,Newsletter,Zip,Prefs,Notes',
  '00123,ann@example.com,2024-01-02,12.5,true,02139,"{""lang"":""en""}","likes, commas"',
  '00124,bob@example.com,1705312800,3,false,10001,"{""lang"":""de""}",',
  '00125,cy@example.com,2023-06-30T08:00:00Z,0,true,94105,"{}","multi',
  'line"',
].join('\n')

describe('mapping init', () => {
  it('guesses a people mapping that validate and import accept, and the guessed types land', async () => {
    const input = join(work.path, 'crm.csv')
    writeFileSync(input, `${CRM}\n`)
    const output = join(work.path, 'crm-mapping.json')
    const init = await runCli(['mapping', 'init', input, '--type', 'people', '--output', output])
    expect(init.code).toBe(0)
    expect(init.stdout).toContain("identifier: column 'Customer No' (id)")
    expect(init.stdout).toContain(`Next: cio-backfill validate ${input} --type people --mapping ${output}`)

    const mapping = await loadMappingFile(output)
    expect(mapping).toMatchObject({
      version: 1,
      type: 'people',
      identifier: {column: 'Customer No', type: 'id'},
      columns: {
        'E-Mail': {as: 'email'},
        'Signed Up': {as: 'created_at', type: 'timestamp'},
        LTV: {type: 'number'},
        Newsletter: {type: 'boolean'},
        Prefs: {type: 'json'},
      },
    })
    // Mixed or text columns stay untyped: "02139" must not become 2139.
    expect(mapping.columns!.Zip.type).toBeUndefined()
    expect(mapping.columns!.Notes.type).toBeUndefined()
    // Header order, each column with a comment on what was seen.
    expect(Object.keys(mapping.columns!)).toEqual(['Customer No', 'E-Mail', 'Signed Up', 'LTV', 'Newsletter', 'Zip', 'Prefs', 'Notes'])
    expect(mapping.columns!.Notes.comment).toBe('string; filled in 2 of 3 sampled rows')

    const validated = await runCli(['validate', input, '--type', 'people', '--mapping', output, '--json', '--rejects-file', join(work.path, 'r.csv')])
    expect(validated.code).toBe(0)
    const report = parseJson(validated.stdout)
    expect(report.rows).toEqual({read: 3, valid: 3, invalid: 0})
    const types = Object.fromEntries(report.attributes.map((a: {name: string; type: string}) => [a.name, a.type]))
    expect(types).toMatchObject({email: 'string', created_at: 'timestamp', LTV: 'number', Newsletter: 'boolean', Prefs: 'json'})

    emulator = await testEmulator()
    const imported = await runCli(['import', input, '--type', 'people', '--mapping', output, ...targetArgs(emulator), '--state', join(work.path, 'l.sqlite'), '--json'], {cwd: work.path})
    expect(imported.code).toBe(0)
    const ann = emulator.inspect.person('00123')!
    expect(ann.attributes).toMatchObject({email: 'ann@example.com', created_at: 1704153600, LTV: 12.5, Newsletter: true, Zip: '02139', Prefs: {lang: 'en'}})
  })

  it('guesses an events mapping: identifier, name, timestamp and data renamed', async () => {
    const input = join(work.path, 'segment.ndjson')
    const rows = [
      {userId: 'u1', event_type: 'Order Completed', occurred: '2024-01-15T10:00:00Z', properties: {total: 30}, messageId: 'm-1'},
      {userId: 'u2', event_type: 'Signed Up', occurred: 1705312800000, properties: {plan: 'pro'}, messageId: 'm-2'},
    ]
    writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n') + '\n')
    const output = join(work.path, 'events-mapping.json')
    const init = await runCli(['mapping', 'init', input, '--type', 'events', '-o', output, '--json'])
    expect(init.code).toBe(0)
    const result = parseJson(init.stdout)
    expect(result.problems).toEqual([])
    expect(result.mapping).toMatchObject({
      identifier: {column: 'userId', type: 'id'},
      columns: {event_type: {as: 'name'}, occurred: {as: 'timestamp'}, properties: {as: 'data', type: 'json'}},
    })
    // messageId is no ULID, so it stays event data rather than becoming an invalid event_id.
    expect(result.mapping.columns.messageId.as).toBeUndefined()

    const validated = await runCli(['validate', input, '--type', 'events', '--mapping', output, '--json', '--rejects-file', join(work.path, 'r.ndjson')])
    expect(validated.code).toBe(0)
    const report = parseJson(validated.stdout)
    expect(report.timestamps[0]).toMatchObject({column: 'occurred', suspicions: [{kind: 'milliseconds', count: 1}]})
  })

  it('says what to fix when it cannot find an identifier (exit 1), and never overwrites without --force (exit 2)', async () => {
    const input = join(work.path, 'anonymous.csv')
    writeFileSync(input, 'first_name,city\nAnn,Berlin\nBob,Paris\n')
    const output = join(work.path, 'anonymous.json')
    const first = await runCli(['mapping', 'init', input, '--type', 'people', '--output', output])
    expect(first.code).toBe(1)
    expect(first.stdout).toContain('to fix: no identifier column found: set "identifier"')
    const before = readFileSync(output, 'utf8')

    const again = await runCli(['mapping', 'init', input, '--type', 'people', '--output', output])
    expect(again.code).toBe(2)
    expect(again.stderr.replace(/\s*\n\s*›\s*/g, ' ')).toContain('already exists: pass --force to replace it')
    expect(again.stderr).not.toMatch(/\n\s+at /)
    expect(readFileSync(output, 'utf8')).toBe(before)

    const forced = await runCli(['mapping', 'init', input, '--type', 'people', '--output', output, '--force'])
    expect(forced.code).toBe(1)
  })
})

describe('mapping init on the messy export (issue 12)', () => {
  it('proposes the email as a fallback identifier, saying how many rows it saves, and reads MM/DD/YYYY dates', async () => {
    const messy = messyExport()
    const input = join(work.path, 'messy.csv')
    writeFileSync(input, messy.csv)
    const output = join(work.path, 'messy-mapping.json')
    const init = await runCli(['mapping', 'init', input, '--type', 'people', '--output', output, '--sample', '400'])
    expect(init.code).toBe(0)
    const idless = messy.csv.split('\n').slice(1, 401).filter((l) => l.startsWith(',')).length
    const withEmail = messy.csv.split('\n').slice(1, 401).filter((l) => l.startsWith(',') && !l.startsWith(',,')).length
    expect(withEmail).toBeGreaterThan(0)
    expect(init.stdout).toContain(
      `identifier: column 'User ID' (id), else 'Email' (email) where it is empty: 'User ID' is empty in ${idless} of 400 sampled rows, which would otherwise be rejected (identifier_missing); 'Email' identifies ${withEmail} of them`,
    )
    expect(init.stdout).toContain('dates: signup_date MM/DD/YYYY')
    const mapping = await loadMappingFile(output)
    expect(mapping.identifier).toEqual([
      {column: 'User ID', type: 'id'},
      {column: 'Email', type: 'email'},
    ])
    expect(mapping.columns?.signup_date).toMatchObject({as: 'created_at', type: 'timestamp', format: 'MM/DD/YYYY'})

    // The guessed mapping predicts what the hand-corrected one does.
    const validated = parseJson((await runCli(['validate', input, '--type', 'people', '--mapping', output, '--json', '--rejects-file', join(work.path, 'm.csv')])).stdout)
    expect(validated.rows).toEqual({read: messy.truth.rows, valid: messy.truth.valid, invalid: messy.truth.rows - messy.truth.valid})
    expect(validated.emailConflicts.rows).toBe(messy.truth.emailConflictLines.length)
  })

  it('says when day and month cannot be told apart in the sample', async () => {
    const input = join(work.path, 'ambiguous.csv')
    writeFileSync(input, 'id,joined\n1,03/04/2021\n2,11/12/2020\n')
    const init = await runCli(['mapping', 'init', input, '--type', 'people', '--output', join(work.path, 'ambiguous.json')])
    expect(init.stdout).toContain(`check: 'joined' has no day above 12 in the sample, so MM/DD/YYYY is assumed`)
    const dayFirst = join(work.path, 'day-first.csv')
    writeFileSync(dayFirst, 'id,joined\n1,03/04/2021\n2,25/12/2020\n')
    await runCli(['mapping', 'init', dayFirst, '--type', 'people', '--output', join(work.path, 'day-first.json')])
    expect((await loadMappingFile(join(work.path, 'day-first.json'))).columns?.joined).toMatchObject({as: 'created_at', format: 'DD/MM/YYYY'})
  })
})
