import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {flat, parseJson, runCli} from '../helpers/cli.js'
import {closeEmulatorAndDir, emulatorAndDir, targetArgs, type TempDir} from '../helpers/emulator.js'

let emulator: RunningEmulator
let dir: TempDir
beforeEach(async () => ({emulator, dir} = await emulatorAndDir()))
afterEach(() => closeEmulatorAndDir(emulator, dir))

describe('import shows the header warnings validate shows', () => {
  it('prints them on stderr and returns them in --json, and the rows still go', async () => {
    const input = join(dir.path, 'people.csv')
    const mapping = join(dir.path, 'mapping.json')
    writeFileSync(input, 'uid,id,plan\nu1,legacy-1,pro\nu2,legacy-2,free\n')
    writeFileSync(mapping, JSON.stringify({identifier: {column: 'uid', type: 'id'}}))
    const message = `column 'id' is ignored: the mapping chose 'uid' as the identifier`
    const validated = parseJson((await runCli(['validate', input, '--type', 'people', '--mapping', mapping, '--json'], {cwd: dir.path})).stdout)
    expect(validated.warnings).toEqual([{file: input, rule: 'column_ignored', message}])

    const result = await runCli(['import', input, '--type', 'people', '--mapping', mapping, ...targetArgs(emulator), '--state', join(dir.path, 'l.sqlite'), '--json'], {cwd: dir.path})
    expect(result.code, result.stderr).toBe(0)
    expect(flat(result.stderr)).toContain(`warning (column_ignored): ${input}: ${message}`)
    expect(parseJson(result.stdout).warnings).toEqual(validated.warnings)
    expect(emulator.inspect.person('u1')?.attributes).toEqual({plan: 'pro'})
  })
})
