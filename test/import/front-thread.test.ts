import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {parseJson, runCli, tempDir} from '../helpers/cli.js'
import {targetArgs, testEmulator} from '../helpers/emulator.js'

function peopleFile(path: string, rows: number): void {
  const lines = ['id,email,plan,note']
  for (let i = 1; i <= rows; i++) lines.push(`${i},user${i}@example.com,${i % 2 ? 'pro' : 'free'},"note ${i}, with ""quotes"" and ünïcödé"`)
  writeFileSync(path, lines.join('\n') + '\n')
}

/**
 * The import reads, maps and packs in a worker thread with a capped heap (issue 13). Running out of that
 * heap must end the run as a clear, resumable stop, never a hang or a crash without a word.
 * CIO_BACKFILL_FRONT_HEAP_MB is the test-only way to make the cap tiny.
 */
describe('the front thread (read, map, pack) runs with a bounded heap', () => {
  let emulator: RunningEmulator
  let dir: ReturnType<typeof tempDir>
  beforeEach(async () => {
    emulator = await testEmulator()
    dir = tempDir()
  })
  afterEach(async () => {
    await emulator.close()
    dir.cleanup()
  })

  it('out of heap: exits 2 with a sentence saying so and that resume continues; resume lands every row once', async () => {
    const input = join(dir.path, 'people.csv')
    const state = join(dir.path, 'ledger.sqlite')
    peopleFile(input, 3000)
    const starved = await runCli(['import', input, '--type', 'people', ...targetArgs(emulator), '--state', state, '--json'], {
      cwd: dir.path,
      env: {CIO_BACKFILL_FRONT_HEAP_MB: '2'},
      timeoutMs: 60_000,
    })
    expect(starved.code, starved.stderr).toBe(2)
    const summary = parseJson(starved.stdout)
    expect(summary.status).toBe('failed')
    expect(summary.error).toMatch(/ran out of memory \(its heap is capped at 2 MB\).*resume continues/)
    expect(summary.resumeCommand).toContain('cio-backfill resume')
    expect(starved.stderr).not.toMatch(/\n\s+at /)

    const resumed = await runCli(['resume', summary.runId, ...targetArgs(emulator).slice(2), '--state', state, '--json'], {cwd: dir.path})
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(parseJson(resumed.stdout).rows).toEqual({read: 3000, succeeded: 3000, failed: 0, invalid: 0})
    const people = emulator.inspect.people()
    expect(people).toHaveLength(3000)
    expect(people.find((p) => p.id === '2999')?.attributes).toMatchObject({plan: 'pro', note: 'note 2999, with "quotes" and ünïcödé'})
  })

  it('the same import with the default cap sends every row, with invalid rows, shard skips and positions reported across threads', async () => {
    const input = join(dir.path, 'people.csv')
    const lines = ['id,email,plan']
    for (let i = 1; i <= 5000; i++) lines.push(i % 500 === 0 ? `,,pro` : `${i},user${i}@example.com,pro`)
    writeFileSync(input, lines.join('\n') + '\n')
    const shards = []
    for (const shard of ['0/2', '1/2']) {
      const result = await runCli(
        ['import', input, '--type', 'people', '--shard', shard, '--max-body-bytes', '3000', ...targetArgs(emulator), '--state', join(dir.path, `s${shard[0]}.sqlite`), '--json'],
        {cwd: dir.path},
      )
      const summary = parseJson(result.stdout)
      // Invalid rows belong to a shard by their line: exit 1 only where some landed.
      expect(result.code, result.stderr).toBe(summary.rows.invalid > 0 ? 1 : 0)
      shards.push(summary)
    }

    expect(shards[0].rows.succeeded + shards[1].rows.succeeded).toBe(4990)
    expect(shards[0].rows.invalid + shards[1].rows.invalid).toBe(10)
    expect(shards[0].otherShards).toBe(shards[1].rows.read)
    expect(shards[1].otherShards).toBe(shards[0].rows.read)
    expect(emulator.inspect.people()).toHaveLength(4990)
  })
})
