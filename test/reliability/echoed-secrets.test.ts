import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'
import {parse} from 'csv-parse/sync'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {runCli, tempDir} from '../helpers/cli.js'

const SITE = 'echo-site'
const KEY = 'sk-echoed-secret-0123456789'
const BASIC = Buffer.from(`${SITE}:${KEY}`).toString('base64')

/**
 * A debugging gateway in front of the Track API: it quotes the request's Authorization header (and
 * what it decodes to) back in its error bodies: a 400 for a request holding a row marked BAD400,
 * a 207-style per-entry error for a row marked BAD207.
 */
function echoServer(): Promise<{server: Server; url: string}> {
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      const auth = req.headers.authorization ?? ''
      const decoded = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString()
      const echo = `Authorization: ${auth} (${decoded})`
      res.setHeader('content-type', 'application/json')
      // The target check before the first batch, answered as the Track API does.
      if (req.method === 'GET') {
        res.end(JSON.stringify({url: '', site_id: SITE, region: 'us'}))
        return
      }

      const batch = (JSON.parse(body) as {batch: unknown[]}).batch
      res.setHeader('content-type', 'application/json')
      if (body.includes('BAD400')) {
        res.statusCode = 400
        res.end(JSON.stringify({meta: {error: `malformed request; ${echo}`}}))
        return
      }

      const errors = batch.flatMap((entry, i) =>
        JSON.stringify(entry).includes('BAD207') ? [{batch_index: i, reason: 'invalid', field: 'attributes', message: `rejected; ${echo}`}] : [],
      )
      res.statusCode = errors.length > 0 ? 207 : 200
      res.end(JSON.stringify(errors.length > 0 ? {errors} : {}))
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`})))
}

describe('credentials echoed back by the server', () => {
  let server: Server
  let url: string
  let dir: ReturnType<typeof tempDir>
  beforeEach(async () => {
    ;({server, url} = await echoServer())
    dir = tempDir()
  })
  afterEach(async () => {
    await new Promise((r) => server.close(r))
    dir.cleanup()
  })

  it('are redacted before the ledger, the retry file or the output see them, DEBUG=* included', async () => {
    const input = join(dir.path, 'people.csv')
    writeFileSync(input, 'id,plan\nu1,free\nu2,BAD400\nu3,pro\nu4,BAD207\nu5,team\n')
    const state = join(dir.path, 'ledger.sqlite')
    const retry = join(dir.path, 'retry.csv')
    const args = ['import', input, '--type', 'people', '--endpoint', url, '--site-id', SITE, '--api-key', KEY, '--state', state, '--retry-file', retry]
    const result = await runCli(args, {cwd: dir.path, env: {DEBUG: '*'}})
    expect(result.code, result.stderr).toBe(1)
    // oclif debug output is there: it prints argv, --api-key value included, unless redacted.
    expect(result.stderr).toMatch(/oclif/)

    const rows = parse(readFileSync(retry, 'utf8'), {columns: true}) as Array<Record<string, string>>
    expect(rows.map((r) => [r.id, r._line])).toEqual([['u2', '3'], ['u4', '5']])
    for (const row of rows) expect(row._error).toMatch(/Authorization: Basic \*\*\* \(echo-site:\*\*\*\)/)

    const written = readdirSync(dir.path).map((name) => join(dir.path, name))
    expect(written).toContain(state)
    for (const file of written.filter((f) => existsSync(f))) {
      const bytes = readFileSync(file)
      expect(bytes.includes(KEY), file).toBe(false)
      expect(bytes.includes(BASIC), file).toBe(false)
    }

    for (const text of [result.stdout, result.stderr]) {
      expect(text).not.toContain(KEY)
      expect(text).not.toContain(BASIC)
    }
  })
})
