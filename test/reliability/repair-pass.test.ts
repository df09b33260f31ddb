import {createHash} from 'node:crypto'
import {writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'
import Database from 'better-sqlite3'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {collect, parseJson, runCli, spawnCli, tempDir} from '../helpers/cli.js'

const PEOPLE = 3000
const VERSIONS = 4
/** People are written in blocks, each block's versions one after the other: a person's next version follows soon. */
const BLOCK = 60

interface Entry {
  identifiers: {id: string}
  attributes: {version: string}
}

/**
 * A Track API v2 stand-in that holds some requests past the client's timeout and applies them only
 * after the client gave up (so after its retry, and after later rows of the same people landed):
 * the late apply that leaves a person with an older version. Every other request is applied at once.
 */
function lateApplyingServer(stallEvery: number, applyAfterCloseMs: number) {
  const people = new Map<string, string>()
  const seen = new Set<string>()
  let requests = 0
  let lateApplied = 0
  const apply = (body: string) => {
    for (const entry of (JSON.parse(body) as {batch: Entry[]}).batch) people.set(entry.identifiers.id, entry.attributes.version)
  }

  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      // The target check before the first batch (GET /api/v1/accounts/region), as the Track API answers it.
      if (req.method === 'GET') {
        res.setHeader('content-type', 'application/json')
        res.end('{"url":"","site_id":"s","region":"us"}')
        return
      }

      const hash = createHash('sha1').update(body).digest('hex')
      const first = !seen.has(hash)
      seen.add(hash)
      if (first && ++requests % stallEvery === 0) {
        // Never answered; applied a little after the client disconnects.
        res.on('close', () => setTimeout(() => (apply(body), lateApplied++), applyAfterCloseMs))
        return
      }

      apply(body)
      res.setHeader('content-type', 'application/json')
      res.end('{}')
    })
  })
  return {
    server,
    people,
    lateApplied: () => lateApplied,
    listen: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))),
  }
}

describe('the repair pass after attempts with an unknown outcome', () => {
  let dir: ReturnType<typeof tempDir>
  let stand: ReturnType<typeof lateApplyingServer>
  beforeEach(() => {
    dir = tempDir()
    stand = lateApplyingServer(30, 400)
  })
  afterEach(async () => {
    await new Promise((r) => stand.server.close(r))
    dir.cleanup()
  })

  function versionsFile(): string {
    const lines = ['id,version']
    for (let block = 0; block < PEOPLE / BLOCK; block++) {
      for (let v = 1; v <= VERSIONS; v++) for (let p = block * BLOCK; p < (block + 1) * BLOCK; p++) lines.push(`p${p},v${v}`)
    }

    const input = join(dir.path, 'versions.csv')
    writeFileSync(input, lines.join('\n') + '\n')
    return input
  }

  const credentials = ['--site-id', 'site', '--api-key', 'key-0123456789']
  const tuning = ['--timeout', '1', '--retry-base-ms', '50', '--max-body-bytes', '1500', '--rate', '150', '--concurrency', '8', '--json']

  function expectLastVersions(): void {
    const wrong = [...Array(PEOPLE).keys()].filter((p) => stand.people.get(`p${p}`) !== `v${VERSIONS}`)
    expect(wrong, `people without the last version: ${wrong.slice(0, 10).join(', ')}`).toEqual([])
  }

  it('sends the last row of every person touched by a timed-out attempt again: everyone ends with the last version', async () => {
    const url = await stand.listen()
    const input = versionsFile()
    const state = join(dir.path, 'ledger.sqlite')
    const args = ['import', input, '--type', 'people', '--endpoint', url, ...credentials, '--state', state]
    const result = await runCli([...args, ...tuning], {cwd: dir.path, timeoutMs: 170_000})
    expect(result.code, result.stderr).toBe(0)
    const summary = parseJson(result.stdout)
    expect(summary.rows).toEqual({read: PEOPLE * VERSIONS, succeeded: PEOPLE * VERSIONS, failed: 0, invalid: 0})
    // The server did apply timed-out attempts late: without the repair some people would keep an older version.
    expect(stand.lateApplied()).toBeGreaterThan(0)
    expectLastVersions()
    expect(summary.repaired).toBeGreaterThan(0)

    // The people to repair were kept in the ledger (so a crash would not forget them), and are done with.
    const db = new Database(state, {readonly: true})
    expect(db.prepare('SELECT COUNT(*) FROM ambiguous_people').pluck().get()).toBe(0)
    expect(db.prepare('SELECT repaired FROM runs WHERE id = ?').pluck().get(summary.runId)).toBe(summary.repaired)
    db.close()
  }, 180_000)

  it('survives a crash: people recorded before kill -9 are repaired by the resume', async () => {
    const url = await stand.listen()
    const input = versionsFile()
    const state = join(dir.path, 'ledger.sqlite')
    const child = spawnCli(['import', input, '--type', 'people', '--endpoint', url, ...credentials, '--state', state, ...tuning], {cwd: dir.path})
    const done = collect(child, 170_000)
    // Kill it as soon as the ledger holds people to repair.
    const deadline = Date.now() + 120_000
    let recorded = 0
    while (recorded === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200))
      try {
        const db = new Database(state, {readonly: true, fileMustExist: true})
        recorded = db.prepare('SELECT COUNT(*) FROM ambiguous_people').pluck().get() as number
        db.close()
      } catch {
        // Not created yet.
      }
    }

    expect(recorded, 'people recorded for repair before the kill').toBeGreaterThan(0)
    child.kill('SIGKILL')
    expect((await done).signal).toBe('SIGKILL')

    // The batch size and retry backoff come from the ledger; resume takes the pacing and timeout again.
    const resumeTuning = ['--timeout', '1', '--rate', '150', '--concurrency', '8', '--json']
    const resumed = await runCli(['resume', '--endpoint', url, ...credentials, '--state', state, ...resumeTuning], {cwd: dir.path, timeoutMs: 170_000})
    expect(resumed.code, resumed.stderr).toBe(0)
    const summary = parseJson(resumed.stdout)
    expect(summary.rows).toEqual({read: PEOPLE * VERSIONS, succeeded: PEOPLE * VERSIONS, failed: 0, invalid: 0})
    expectLastVersions()
    expect(summary.repaired).toBeGreaterThanOrEqual(recorded)
  }, 180_000)
})
