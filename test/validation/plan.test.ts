import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {BatchPacker} from '../../src/batching/batch-packer.js'
import type {Operation} from '../../src/mapping/index.js'
import {estimateRequests, tierFor} from '../../src/validation/index.js'
import {recommendShards} from '../../src/validation/plan.js'
import {parseJson, ROOT, runCli, tempDir} from '../helpers/cli.js'

const work = tempDir('validate-plan-')
afterAll(() => work.cleanup())

describe('plan: tiers from the seed volume table', () => {
  it.each([
    [0, 'direct'],
    [99_999, 'direct'],
    [100_000, 'batched'],
    [1_000_000, 'batched'],
    [1_000_001, 'queue_backed'],
    [10_000_000, 'queue_backed'],
    [10_000_001, 'distributed'],
  ])('%i -> %s', (volume, tier) => {
    expect(tierFor(volume).name).toBe(tier)
  })

  it('points the larger tiers at shards on one budget, with no design notes or "Not built" left', () => {
    expect(tierFor(5_000_000).advice.join(' ')).toContain('--shard I/N')
    expect(tierFor(50_000_000).advice.join(' ')).toContain('--budget redis://')
    for (const volume of [10, 500_000, 5_000_000, 50_000_000]) {
      const text = JSON.stringify(tierFor(volume))
      expect(text).not.toContain('Not built')
      expect(text).not.toContain('Singleton client')
    }
    expect(tierFor(50_000_000).recommendedFlags).toBe('--api v2 --rate 80 --concurrency 10 --state ./backfill.sqlite')
  })
})

describe('plan: how many shard processes', () => {
  it('recommends one process while the budget is the limit, and N when one process cannot fill it', () => {
    // 80 req/s of ~2,000-row batches = 160k rows/s: more than one process sends (~70k rows/s).
    expect(recommendShards(400_000_000, 2000, 80).recommended).toBe(3)
    expect(recommendShards(400_000_000, 2000, 80).reason).toContain('--shard 0/3 ... 2/3')
    // v1: one row per request, so 80 rows/s; one process is plenty.
    expect(recommendShards(400_000_000, 1, 80)).toMatchObject({recommended: 1})
    // A small file is done in under a minute by one process.
    expect(recommendShards(1_000_000, 2000, 80)).toMatchObject({recommended: 1})
  })
})

describe('plan: request estimates agree with the real packer', () => {
  /** An operation whose entry is exactly `bytes` long as JSON. */
  function op(line: number, bytes: number): Operation {
    const base = {type: 'person' as const, action: 'identify' as const, identifiers: {id: String(line)}, attributes: {pad: ''}}
    const pad = 'x'.repeat(bytes - Buffer.byteLength(JSON.stringify(base)))
    const entry = {...base, attributes: {pad}}
    const json = JSON.stringify(entry)
    return {line, personKey: `id:${line}`, ordered: true, entry, json, bytes: Buffer.byteLength(json)}
  }

  it.each([
    [400, 10_000],
    [1000, 2_345],
    [32_768, 100],
  ])('entries of %i bytes, %i rows', (bytes, rows) => {
    const packer = new BatchPacker({api: 'v2', fileIndex: 0})
    let batches = 0
    for (let line = 1; line <= rows; line++) if (packer.add(op(line, bytes), '', {line, offset: 0})) batches++
    if (packer.flush()) batches++
    expect(estimateRequests({rows, avgEntryBytes: bytes, api: 'v2'}).requests).toBe(batches)
  })

  it('v1 is one call per row; a v2 entry over 32 KB cannot be planned', () => {
    expect(estimateRequests({rows: 1234, avgEntryBytes: 50_000, api: 'v1'})).toEqual({requests: 1234, rowsPerRequest: 1})
    expect(() => estimateRequests({rows: 1, avgEntryBytes: 32_769, api: 'v2'})).toThrow(/32768-byte v2 batch entry limit/)
  })
})

describe('plan: validate counts the requests a real import sends (emulator)', () => {
  const cases: Array<[string, string, string[]]> = [
    ['fixtures/people.csv', 'people', ['--max-body-bytes', '5000']],
    ['fixtures/events.ndjson', 'events', ['--max-body-bytes', '20000']],
    ['fixtures/people-with-errors.csv', 'people', ['--api', 'v1']],
  ]
  it.each(cases)('%s (%s %s)', async (file, type, extra) => {
    const input = join(ROOT, file)
    const validated = await runCli(['validate', input, '--type', type, '--json', '--rejects-file', join(work.path, 'r'), ...extra])
    const plan = parseJson(validated.stdout).plan
    const imported = await runCli(
      ['import', input, '--type', type, '--emulator', '--json', '--state', join(work.path, `${type}.sqlite`), '--retry-file', join(work.path, 'retry'), ...extra],
      {cwd: work.path},
    )
    const summary = parseJson(imported.stdout)
    expect(summary.status).toMatch(/^completed/)
    expect(plan.requests).toBeGreaterThan(1)
    expect(plan.requests).toBe(summary.requests.sent)
    expect(plan.rows).toBe(summary.rows.succeeded)
  })
})

describe('plan command', () => {
  it('--rows: requests, duration and tier as JSON', async () => {
    const result = await runCli(['plan', '--rows', '1000000', '--avg-row-bytes', '400', '--json'])
    expect(result.code).toBe(0)
    const plan = parseJson(result.stdout)
    expect(plan).toMatchObject({basis: 'rows', volume: 1_000_000, api: 'v2', requests: 803, requestsEstimated: true, rate: 80})
    expect(plan.durationSeconds).toBeCloseTo(803 / 80)
    expect(plan.tier.name).toBe('batched')
  })

  it('--daily-events, v1, as text', async () => {
    const result = await runCli(['plan', '--daily-events', '20000000', '--api', 'v1', '--rate', '50'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('Plan: 20,000,000 events a day -> about 20,000,000 v1 calls')
    expect(result.stdout).toContain('Duration at 50 req/s: 4 d 15 h per day of events')
    expect(result.stdout).toContain('Tier: Distributed (> 10M daily events')
    expect(result.stdout).toContain('more than a day, so this volume does not fit one workspace at this rate')
  })

  it('needs exactly one of --rows and --daily-events (exit 2)', async () => {
    for (const args of [[], ['--rows', '1', '--daily-events', '1']]) {
      const result = await runCli(['plan', ...args])
      expect(result.code).toBe(2)
      expect(result.stderr).not.toMatch(/\n\s+at /)
    }
  })
})
