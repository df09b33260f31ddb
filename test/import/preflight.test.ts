import {spawn} from 'node:child_process'
import {createServer} from 'node:net'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {regionProblem} from '../../src/importer/target-check.js'
import {BIN, flat, parseJson, ROOT, runCli} from '../helpers/cli.js'
import {closeEmulatorAndDir, emulatorAndDir, targetArgs, type TempDir} from '../helpers/emulator.js'

let emulator: RunningEmulator
let dir: TempDir
beforeEach(async () => ({emulator, dir} = await emulatorAndDir()))
afterEach(() => closeEmulatorAndDir(emulator, dir))

const PEOPLE = join(ROOT, 'fixtures/people.csv')

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

async function runs(state: string): Promise<unknown[]> {
  return parseJson((await runCli(['runs', '--state', state, '--json'], {cwd: dir.path})).stdout).runs
}

describe('import checks the target before the first batch', () => {
  it('a wrong API key exits 3 after one region call: no batch, no retries, no run recorded', async () => {
    const state = join(dir.path, 'l.sqlite')
    const args = ['--endpoint', emulator.url, '--site-id', emulator.siteId, '--api-key', 'wrong-key', '--state', state]
    const result = await runCli(['import', PEOPLE, '--type', 'people', ...args], {cwd: dir.path})
    expect(result.code).toBe(3)
    expect(flat(result.stderr)).toContain(`${emulator.url} rejected the site id / API key (HTTP 401); nothing was sent.`)
    expect(result.stderr).not.toContain('wrong-key')
    expect(emulator.inspect.stats().requests.total).toBe(1)
    expect(await runs(state)).toEqual([])
  })

  it('an unreachable host fails at once with the host in the message (exit 2)', async () => {
    const port = await closedPort()
    const state = join(dir.path, 'l.sqlite')
    const args = ['--endpoint', `http://127.0.0.1:${port}`, '--site-id', 's', '--api-key', 'k', '--state', state]
    const result = await runCli(['import', PEOPLE, '--type', 'people', ...args], {cwd: dir.path})
    expect(result.code).toBe(2)
    expect(flat(result.stderr)).toContain(`Cannot reach http://127.0.0.1:${port} (ECONNREFUSED); nothing was sent.`)
    expect(await runs(state)).toEqual([])
  })

  it('a host that is not a Track API root (404) fails before the run exists', async () => {
    const state = join(dir.path, 'l.sqlite')
    const args = ['--endpoint', `${emulator.url}/wrong`, '--site-id', emulator.siteId, '--api-key', emulator.apiKey, '--state', state]
    const result = await runCli(['import', PEOPLE, '--type', 'people', ...args], {cwd: dir.path})
    expect(result.code).toBe(2)
    expect(flat(result.stderr)).toContain(`${emulator.url}/wrong answered 404 to GET /api/v1/accounts/region: it is not a Track API host root`)
    expect(await runs(state)).toEqual([])
  })

  it('names the region when the flag picks the other regional host', () => {
    expect(regionProblem('https://track.customer.io', {region: 'eu'})).toBe(
      'the site id belongs to a workspace in the EU region, but https://track.customer.io is the US host: pass --region eu; nothing was sent.',
    )
    expect(regionProblem('https://track-eu.customer.io', {region: 'us'})).toContain('pass --region us')
    expect(regionProblem('https://track-eu.customer.io', {region: 'eu'})).toBeUndefined()
    // An emulator or a proxy answers for itself: no region to compare.
    expect(regionProblem('http://127.0.0.1:4010', {region: 'eu'})).toBeUndefined()
    expect(regionProblem('https://track.customer.io', null)).toBeUndefined()
  })
})

/** The CLI on a pseudo-terminal (util-linux script), answering the question once it is asked. */
function onTerminal(args: string[], env: Record<string, string>, answer: string | null): Promise<{code: number | null; output: string}> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    cwd: dir.path,
    env: {...process.env, CIO_SITE_ID: '', CIO_API_KEY: '', CIO_TRACK_URL: '', FORCE_COLOR: '0', ...env},
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let output = ''
  let answered = false
  const onData = (d: Buffer) => {
    output += d.toString()
    if (answer !== null && !answered && output.includes('Send? [y/N]')) {
      answered = true
      child.stdin.write(answer)
    }
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`timed out; output:\n${output}`))
    }, 60_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, output})
    })
  })
}

describe('the question before sending to a production workspace', () => {
  const production = () => ({CIO_BACKFILL_TEST_PRODUCTION_HOST: emulator.url})

  it('shows what will be sent and sends nothing when the answer is no', async () => {
    const state = join(dir.path, 'l.sqlite')
    const result = await onTerminal(['import', PEOPLE, '--type', 'people', ...targetArgs(emulator), '--state', state], production(), 'n\r')
    expect(result.output).toContain(`About to send people to Customer.io at ${emulator.url} (site ${emulator.siteId}, region us):`)
    expect(result.output).toMatch(/fixtures\/people\.csv: [\d,]+ bytes, 200 rows/)
    expect(result.output).toMatch(/about 1 request, about [\d.]+ ?\w+ at 80 req\/s/)
    expect(result.code).toBe(2)
    expect(flat(result.output)).toContain('Nothing was sent: the answer was not yes')
    expect(emulator.inspect.stats().peopleCount).toBe(0)
    expect(await runs(state)).toEqual([])
  })

  it('sends on yes; --yes and the absence of a terminal skip the question', async () => {
    const yes = await onTerminal(['import', PEOPLE, '--type', 'people', ...targetArgs(emulator), '--state', join(dir.path, 'a.sqlite')], production(), 'y\r')
    expect(yes.code).toBe(0)
    expect(emulator.inspect.stats().peopleCount).toBe(200)

    const flag = await onTerminal(['import', PEOPLE, '--type', 'people', ...targetArgs(emulator), '--state', join(dir.path, 'b.sqlite'), '--yes'], production(), null)
    expect(flag.code).toBe(0)
    expect(flag.output).not.toContain('Send?')

    const piped = await runCli(['import', PEOPLE, '--type', 'people', ...targetArgs(emulator), '--state', join(dir.path, 'c.sqlite')], {cwd: dir.path, env: production()})
    expect(piped.code).toBe(0)
    expect(piped.stderr).not.toContain('Send?')

    // Not a production host: nothing is asked even on a terminal.
    const local = await onTerminal(['import', PEOPLE, '--type', 'people', ...targetArgs(emulator), '--state', join(dir.path, 'd.sqlite')], {}, null)
    expect(local.code).toBe(0)
    expect(local.output).not.toContain('Send?')
  })
})
