import {mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {collect, parseJson, runCli, spawnCli, tempDir} from '../helpers/cli.js'
import {testEmulator, type TempDir} from '../helpers/emulator.js'
import {startRedis, type TestRedis} from '../helpers/redis.js'
import {parseManifests} from '../../deploy/manifest-check.js'

/**
 * A rehearsal of the cluster on one machine: what `plan --emit k8s` writes is run for every index of the
 * Indexed Job as a local process, with the Job's own arguments and environment (the Secret's keys filled
 * with the emulator's credentials and a local Redis budget, the volumes mapped to folders). One index is
 * killed with -9 and started again the way the Job would start a new pod for it (same index, same volume):
 * the union of the shards lands exactly once, under the budget. `npm run deploy:rehearse` runs this file.
 */

const ROWS = 360
const SHARDS = 3
const RATE = 25

interface Container {
  args: string[]
  workingDir: string
  env: Array<{name: string; value?: string; valueFrom?: {secretKeyRef: {key: string}}}>
}

describe('the sharded backfill Job, rehearsed as local processes', () => {
  let redis: TestRedis
  let emulator: RunningEmulator
  let dir: TempDir
  beforeAll(async () => {
    redis = await startRedis()
    // The server allows exactly the budget: a start over it in any second would be answered 429.
    emulator = await testEmulator({rateLimit: {limit: RATE, windowMs: 1000}})
    dir = tempDir()
  })
  afterAll(async () => {
    await emulator?.close()
    await redis?.stop()
    dir?.cleanup()
  })

  it('every index runs, one is killed -9 and restarted like a new pod, and every event lands once under the budget', async () => {
    const overlay = join(dir.path, 'overlay')
    const emitted = await runCli(
      ['plan', '--rows', String(ROWS), '--api', 'v1', '--rate', String(RATE), '--emit', 'k8s', overlay, '--type', 'events', '--shards', String(SHARDS),
        '--input', '/input/events.ndjson', '--name', 'rehearsal'],
    )
    expect(emitted.code, emitted.stderr).toBe(0)
    const job = parseManifests(readFileSync(join(overlay, 'backfill.yaml'), 'utf8'), 'backfill.yaml').find((o) => o.kind === 'Job') as any
    expect(job.spec).toMatchObject({completionMode: 'Indexed', completions: SHARDS, parallelism: SHARDS})
    const container = job.spec.template.spec.containers[0] as Container

    // The volumes as folders: the read-only input and the ledger volume every index shares.
    const volumes: Record<string, string> = {'/input': join(dir.path, 'input'), '/ledgers': join(dir.path, 'ledgers')}
    for (const folder of Object.values(volumes)) mkdirSync(folder, {recursive: true})
    const events = Array.from({length: ROWS}, (_, i) => JSON.stringify({id: `person-${i % 90}`, name: 'rehearsed', n: i}))
    writeFileSync(join(volumes['/input'], 'events.ndjson'), `${events.join('\n')}\n`)
    const secret: Record<string, string> = {'site-id': emulator.siteId, 'api-key': emulator.apiKey, 'budget-url': redis.url}
    const local = (text: string) => Object.entries(volumes).reduce((t, [from, to]) => t.replaceAll(from, to), text)

    const podFor = (index: number) => {
      const env: Record<string, string> = {JOB_COMPLETION_INDEX: String(index)}
      for (const e of container.env) env[e.name] = e.valueFrom ? secret[e.valueFrom.secretKeyRef.key] : local(e.value!)
      // Kubernetes expands $(VAR) in args from the container's environment.
      const args = container.args.map((a) => local(a.replace(/\$\((\w+)\)/g, (_, name: string) => env[name])))
      // The one stand-in: the emulator's address instead of the region's Track host.
      return spawnCli([...args, '--json'], {cwd: local(container.workingDir), env: {...env, CIO_TRACK_URL: emulator.url}})
    }

    const pods = Array.from({length: SHARDS}, (_, i) => podFor(i))
    const done = pods.map((pod) => collect(pod, 120_000))
    // Index 1 dies mid-run (a node lost, an OOM kill); the Job starts a new pod for the same index.
    await waitFor(() => emulator.inspect.stats().eventCount >= ROWS / 4)
    pods[1].kill('SIGKILL')
    const killed = await done[1]
    expect(killed.signal).toBe('SIGKILL')
    const retried = await collect(podFor(1), 120_000)
    const results = [await done[0], retried, await done[2]]
    for (const r of results) expect(r.code, r.stderr).toBe(0)
    expect(retried.stderr).toMatch(/--once: continuing run \w+/)

    const summaries = results.map((r) => parseJson(r.stdout))
    expect(summaries.map((s) => s.shard)).toEqual([0, 1, 2].map((index) => ({index, count: SHARDS})))
    // Every event once: the shards' rows add up to the file, and the emulator stored each event id once.
    expect(summaries.reduce((n, s) => n + s.rows.succeeded, 0)).toBe(ROWS)
    const stats = emulator.inspect.stats()
    expect(stats.eventCount).toBe(ROWS)
    // Under the budget: never a 429, never more than --rate starts in any sliding second, all indexes together.
    expect(Object.keys(stats.requests.byStatus)).toEqual(['200'])
    expect(stats.maxRequestsInSlidingSecond).toBeLessThanOrEqual(RATE)
    // Each index kept its own ledger on the shared volume, where the retried pod found it.
    expect(readLedgerNames(volumes['/ledgers'])).toEqual([0, 1, 2].map((i) => `shard-${i}-of-${SHARDS}.sqlite`))
  }, 180_000)
})

async function waitFor(check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the rehearsal to make progress')
    await new Promise((r) => setTimeout(r, 50))
  }
}

function readLedgerNames(folder: string): string[] {
  return readdirSync(folder)
    .filter((f) => f.endsWith('.sqlite'))
    .sort()
}
