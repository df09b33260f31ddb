import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {TrackClient} from 'customerio-node'
import {afterAll, afterEach, describe, expect, it} from 'vitest'

import {emulator} from './emulator-fixture.js'

const root = join(import.meta.dirname, '..', '..')
const dir = mkdtempSync(join(tmpdir(), 'cio-emulator-cli-'))
const children: ChildProcessWithoutNullStreams[] = []

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})
afterAll(() => rmSync(dir, {recursive: true, force: true}))

function newestMtime(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(...readdirSync(path).map((name) => newestMtime(join(path, name))))
}

/** The built CLI when dist is current (as after `npm run build`), else the TypeScript sources via tsx. */
function cliArgs(): string[] {
  const built = join(root, 'dist', 'commands', 'emulator.js')
  const fresh =
    existsSync(built) &&
    existsSync(join(root, 'dist', 'emulator')) &&
    newestMtime(join(root, 'dist', 'emulator')) >= newestMtime(join(root, 'src', 'emulator')) &&
    statSync(built).mtimeMs >= statSync(join(root, 'src', 'commands', 'emulator.ts')).mtimeMs
  return fresh ? [join(root, 'bin', 'run.js')] : ['--import', 'tsx', join(root, 'bin', 'dev.js')]
}

interface Cli {
  child: ChildProcessWithoutNullStreams
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

function startCli(args: string[]): Cli {
  const child = spawn(process.execPath, [...cliArgs(), 'emulator', ...args], {cwd: root, env: {...process.env, NODE_ENV: ''}})
  children.push(child)
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return {child, stdout: () => out, stderr: () => err, exited}
}

async function waitFor<T>(what: string, probe: () => T | undefined, cli: Cli, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const value = probe()
    if (value !== undefined) return value
    if (cli.child.exitCode !== null) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }

  throw new Error(`timed out waiting for ${what}; stdout: ${cli.stdout()} stderr: ${cli.stderr()}`)
}

const LISTENING = /^Track API emulator listening on (http:\/\/127\.0\.0\.1:(\d+)) \(site id emulator-site, api key emulator-key; App API key emulator-app-key\)\n/

describe('cio-backfill emulator (child process)', () => {
  it('prints its URL, serves the real client, logs traffic each second and exits 0 on SIGTERM', async () => {
    const cli = startCli(['--port', '0', '--rate-limit', '0'])
    const url = await waitFor('the listening line', () => LISTENING.exec(cli.stdout())?.[1], cli)
    expect(Number(new URL(url).port)).toBeGreaterThan(0)

    const cio = new TrackClient('emulator-site', 'emulator-key', {url: `${url}/api/v1`, retry: {maxRetries: 0}})
    expect(await cio.identify('u1', {plan: 'pro'})).toEqual({})
    await waitFor('a traffic line', () => /\d\d:\d\d:\d\d received 1 request; answered 200 ×1; holds 1 person, 0 events/.exec(cli.stderr())?.[0], cli)

    cli.child.kill('SIGTERM')
    expect(await cli.exited).toBe(0)
    expect(cli.stdout().trim().split('\n').slice(1)).toEqual([
      'Emulator stopped after 1 Track requests; 1 people, 0 events.',
      `Rehearsal (production answers these 200 and says nothing): would be merged: 0, silently not applied: 0 (attribute update failures), dropped: 0 (unknown cio_id), ignored: 0 (suppressed); details were at ${url}/__emulator/silent`,
    ])
  })

  it('--suppressed seeds the suppression list; the stop summary counts what production would do silently', async () => {
    const list = join(dir, 'suppressed.txt')
    writeFileSync(list, '# exported from the workspace\nblocked@example.com\n\n')
    const cli = startCli(['--port', '0', '--quiet', '--rate-limit', '0', '--suppressed', list])
    const url = await waitFor('the listening line', () => LISTENING.exec(cli.stdout())?.[1], cli)
    const cio = new TrackClient('emulator-site', 'emulator-key', {url: `${url}/api/v1`, retry: {maxRetries: 0}})
    expect(await cio.identify('blocked@example.com', {plan: 'pro'})).toEqual({})
    expect(await cio.identify('cio_ffff', {plan: 'pro'})).toEqual({})
    await cio.identify('lead@example.com', {plan: 'free'})
    expect(await cio.identify('u1', {email: 'lead@example.com'})).toEqual({})
    cli.child.kill('SIGINT')
    expect(await cli.exited).toBe(0)
    expect(cli.stdout()).toContain('would be merged: 1, silently not applied: 0 (attribute update failures), dropped: 1 (unknown cio_id), ignored: 1 (suppressed)')
  })

  it('--db keeps data across restarts; SIGINT stops it cleanly', async () => {
    const db = join(dir, 'cli.db')
    const first = startCli(['--port', '0', '--quiet', '--db', db])
    const url = await waitFor('the listening line', () => LISTENING.exec(first.stdout())?.[1], first)
    await new TrackClient('emulator-site', 'emulator-key', {url: `${url}/api/v1`}).identify('kept', {plan: 'pro'})
    first.child.kill('SIGINT')
    expect(await first.exited).toBe(0)
    expect(first.stderr()).not.toMatch(/req\/s/)

    const second = startCli(['--port', '0', '--quiet', '--db', db])
    const url2 = await waitFor('the listening line', () => LISTENING.exec(second.stdout())?.[1], second)
    const person = await (await fetch(`${url2}/__emulator/people/kept`)).json()
    expect(person).toMatchObject({id: 'kept', attributes: {plan: 'pro'}})
    second.child.kill('SIGTERM')
    expect(await second.exited).toBe(0)
  })

  it('a busy port is a usage error with a clear message', async () => {
    const busy = await emulator()
    const cli = startCli(['--port', new URL(busy.url).port])
    expect(await cli.exited, cli.stderr()).toBe(2)
    // oclif wraps long errors over lines prefixed with ›; compare the text with the wrapping removed.
    const message = cli.stderr().replaceAll('›', ' ').replaceAll(/\s+/g, ' ')
    expect(message).toContain(`port ${new URL(busy.url).port} on 127.0.0.1 is already in use; pass --port 0 to pick a free port`)
  })
})
