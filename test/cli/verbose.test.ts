import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {runCli, tempDir} from '../helpers/cli.js'
import {closeEmulatorAndDir, testEmulator, type TempDir} from '../helpers/emulator.js'

const SECRET = 'sk-verbose-secret-0123456789'

/** Issue 14 conventions: --verbose logs every request and response on stderr, never the credentials. */
describe('--verbose', () => {
  let emulator: RunningEmulator
  let dir: TempDir
  beforeEach(async () => {
    emulator = await testEmulator({apiKey: SECRET, faults: {refuseBodiesContaining: 'POISON', rejectEntriesContaining: 'REJECTED'}})
    dir = tempDir()
  })
  afterEach(() => closeEmulatorAndDir(emulator, dir))

  it('logs each attempt with its status, size, timing and Customer.io\'s error text, with the key nowhere', async () => {
    const input = join(dir.path, 'people.csv')
    writeFileSync(input, 'id,plan\np1,REJECTED\np3,POISON\n')
    const env = {CIO_SITE_ID: emulator.siteId, CIO_API_KEY: SECRET, CIO_TRACK_URL: emulator.url}
    const args = ['import', input, '--type', 'people', '--state', join(dir.path, 'l.sqlite'), '--retry-file', join(dir.path, 'r.csv'), '--verbose']
    const result = await runCli(args, {cwd: dir.path, env})
    expect(result.code, result.stderr).toBe(1)
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('[verbose] '))
    // The whole batch is refused (400), then each half alone: one 400, one 207 with the entry's reason.
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(/^\[verbose\] POST \/api\/v2\/batch 2 entries, \d+ B -> 400 rejected: .+ in \d+ ms$/)
    expect(lines.some((l) => /POST \/api\/v2\/batch 1 entry, \d+ B -> 2xx, 1 entries rejected: .*rejectEntriesContaining/i.test(l))).toBe(true)
    expect(result.stdout + result.stderr).not.toContain(SECRET)

    const wrongKey = await runCli(args, {cwd: dir.path, env: {...env, CIO_API_KEY: 'not-the-key'}})
    // The target check refuses the key before any batch goes out.
    expect(wrongKey.code).toBe(3)
    expect(wrongKey.stderr).toMatch(/rejected the site id \/ API key \(HTTP 401\); nothing was sent/)
    expect(wrongKey.stderr).not.toContain('not-the-key')

    const quiet = await runCli(args.filter((a) => a !== '--verbose'), {cwd: dir.path, env})
    expect(quiet.stderr).not.toContain('[verbose]')
  })
})
