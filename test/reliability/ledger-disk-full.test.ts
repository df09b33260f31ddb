import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {parse} from 'csv-parse/sync'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {parseJson, runCli, tempDir} from '../helpers/cli.js'
import {targetArgs, testEmulator} from '../helpers/emulator.js'

/**
 * A real 16 MB filesystem for the ledger, filled until ~150 KB are left: the ledger's writes fail with
 * SQLITE_FULL in the middle of an import. Tests run as root in CI; when the mount is impossible the
 * test fails with the reason (it never skips).
 */
describe('a full ledger disk', () => {
  let mountPoint: string
  let mounted = false
  let mountProblem: string | null = null
  let emulator: RunningEmulator
  let dir: ReturnType<typeof tempDir>

  beforeAll(async () => {
    mountPoint = mkdtempSync(join(tmpdir(), 'cio-ledger-fs-'))
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mountPoint], {stdio: 'pipe'})
      mounted = true
    } catch (error) {
      mountProblem = `cannot mount a 16 MB tmpfs at ${mountPoint} (this test needs root, as CI has): ${(error as Error).message}`
    }

    // Rows holding REJECT-ME are refused per entry (207), as Customer.io refuses a row it cannot take.
    emulator = await testEmulator({faults: {rejectEntriesContaining: 'REJECT-ME'}})
    dir = tempDir()
  })

  afterAll(async () => {
    if (mounted) execFileSync('umount', ['-l', mountPoint])
    rmSync(mountPoint, {recursive: true, force: true})
    await emulator?.close()
    dir?.cleanup()
  })

  it('stops resumably with exit 2 naming the full disk; resume then records every row exactly once', async () => {
    expect(mountProblem).toBeNull()
    const state = join(mountPoint, 'ledger.sqlite')
    const env = {CIO_SITE_ID: emulator.siteId, CIO_API_KEY: emulator.apiKey, CIO_TRACK_URL: emulator.url}

    // 40 known people, imported first: the ledger exists before the disk fills up.
    const seed = join(dir.path, 'seed.csv')
    writeFileSync(seed, 'id,plan\n' + Array.from({length: 40}, (_, i) => `s${i},free`).join('\n') + '\n')
    const seeded = await runCli(['import', seed, '--type', 'people', '--state', state], {cwd: dir.path, env})
    expect(seeded.code, seeded.stderr).toBe(0)
    const cioIds = Array.from({length: 40}, (_, i) => emulator.inspect.person(`s${i}`)!.cio_id)

    // Rows cycle through: a known person (lands), a known person with a refused entry (207: failed), no identifier (invalid).
    const rows = 9000
    const bio = 'x'.repeat(200)
    const lines = ['cio_id,plan,bio']
    const expected = {succeeded: 0, failed: [] as number[], invalid: [] as number[]}
    for (let i = 0; i < rows; i++) {
      const line = i + 2
      if (i % 3 === 0) {
        lines.push(`${cioIds[i % 40]},plan-${i},${bio}`)
        expected.succeeded++
      } else if (i % 3 === 1) {
        lines.push(`${cioIds[i % 40]},REJECT-ME-${i},${bio}`)
        expected.failed.push(line)
      } else {
        lines.push(`,plan-${i},${bio}`)
        expected.invalid.push(line)
      }
    }

    const input = join(dir.path, 'people.csv')
    writeFileSync(input, lines.join('\n') + '\n')
    const retry = join(dir.path, 'retry.csv')

    // Leave ~150 KB on the ledger's filesystem.
    const filler = join(mountPoint, 'filler')
    const {bavail, bsize} = statfsSync(mountPoint)
    writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - 150 * 1024)))

    const args = ['import', input, '--type', 'people', '--state', state, '--retry-file', retry, '--max-body-bytes', '8000', '--rate', '400']
    const full = await runCli([...args, '--json'], {cwd: dir.path, env})
    expect(full.code, full.stderr + full.stdout).toBe(2)
    const stopped = parseJson(full.stdout)
    expect(stopped.status).toBe('failed')
    expect(stopped.error).toMatch(/disk full/)
    expect(stopped.resumeCommand).toMatch(/cio-backfill resume \w{26}/)
    // A sentence, never a stack or an uncaught SqliteError (e.g. from the commit timer).
    expect(full.stderr).not.toMatch(/SqliteError|\n\s+at /)
    expect(stopped.rows.read).toBeLessThan(rows)

    rmSync(filler)
    const resumed = await runCli(['resume', stopped.runId, '--state', state, '--json'], {cwd: dir.path, env})
    expect(resumed.code, resumed.stderr).toBe(1)
    const summary = parseJson(resumed.stdout)
    expect(summary.rows).toEqual({read: rows, succeeded: expected.succeeded, failed: expected.failed.length, invalid: expected.invalid.length})

    const retried = parse(readFileSync(retry, 'utf8'), {columns: true}) as Array<Record<string, string>>
    const retriedLines = retried.map((r) => Number(r._line))
    expect(retriedLines).toEqual([...expected.failed, ...expected.invalid].sort((a, b) => a - b))
    // Every known person ends with their last row in the file.
    for (let p = 0; p < 40; p++) {
      const last = Math.max(...Array.from({length: rows}, (_, i) => i).filter((i) => i % 3 === 0 && i % 40 === p))
      expect(emulator.inspect.person(`s${p}`)!.attributes.plan, `person s${p}`).toBe(`plan-${last}`)
    }

    const show = await runCli(['runs', 'show', stopped.runId, '--state', state, '--json'], {cwd: dir.path})
    expect(parseJson(show.stdout).status).toBe('completed_with_failures')
  })
})
