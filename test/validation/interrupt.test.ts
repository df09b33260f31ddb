import {spawn} from 'node:child_process'
import {readdirSync} from 'node:fs'
import {afterAll, describe, expect, it} from 'vitest'

import {BIN, collect, parseJson, tempDir, waitUntilIdle} from '../helpers/cli.js'

const work = tempDir('validate-interrupt-')
afterAll(() => work.cleanup())

describe('validate: Ctrl-C', () => {
  it('stops reading, reports the rows read so far, exits 4 and leaves no spill files', async () => {
    // stdin stays open, like a producer that never finishes: only the signal can end the run.
    const child = spawn(process.execPath, [BIN, 'validate', '-', '--type', 'people', '--json', '--rejects-file', `${work.path}/r.csv`], {
      cwd: work.path,
      env: {...process.env, TMPDIR: work.path, FORCE_COLOR: '0'},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const rows = Array.from({length: 2000}, (_, i) => `${i % 1500},user${i}@example.com`).join('\n')
    child.stdin.write(`id,email\n${rows}\n`)
    const done = collect(child, 30_000)
    // Once it has read all 2,000 rows it waits on stdin, using no CPU: interrupt then (not after a fixed
    // sleep, which a loaded machine can outrun).
    await waitUntilIdle(child.pid!)
    child.kill('SIGINT')
    const result = await done
    child.stdin.destroy()
    expect(result.code).toBe(4)
    const report = parseJson(result.stdout)
    expect(report.interrupted).toBe(true)
    expect(report.rows).toEqual({read: 2000, valid: 2000, invalid: 0})
    expect(report.duplicates).toMatchObject({rows: 500, keys: 500})
    expect(readdirSync(work.path).filter((f) => f.startsWith('cio-backfill-dups-'))).toEqual([])
  })
})
