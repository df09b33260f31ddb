import {spawn} from 'node:child_process'
import {existsSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {BIN, collect, ROOT, runCli, waitForOutput} from '../helpers/cli.js'
import {closeEmulatorAndDir, emulatorAndDir, targetArgs, type TempDir} from '../helpers/emulator.js'
import {TmuxTerminal} from '../helpers/terminal.js'

function eventLines(from: number, to: number): string {
  const lines = []
  for (let i = from; i <= to; i++) lines.push(JSON.stringify({id: `p${i % 50}`, name: 'tick', timestamp: 1700000000 + i, data: {n: i}}))
  return lines.join('\n') + '\n'
}

describe('importing stdin: what is shown while it is spooled, and the spool file afterwards', () => {
  let emulator: RunningEmulator
  let dir: TempDir
  let state: string
  let spoolDir: string
  let env: NodeJS.ProcessEnv
  let terminal: TmuxTerminal | undefined
  beforeEach(async () => {
    ;({emulator, dir} = await emulatorAndDir())
    state = join(dir.path, 'ledger.sqlite')
    // oclif's data directory (where stdin is spooled) follows XDG_DATA_HOME.
    env = {...process.env, XDG_DATA_HOME: join(dir.path, 'data'), CIO_SITE_ID: '', CIO_API_KEY: '', CIO_TRACK_URL: ''}
    spoolDir = join(dir.path, 'data', 'cio-backfill', 'spool')
  })
  afterEach(async () => {
    terminal?.close()
    terminal = undefined
    await closeEmulatorAndDir(emulator, dir)
  })

  const spooled = () => (existsSync(spoolDir) ? readdirSync(spoolDir) : [])

  it('prints the banner and the bytes read while stdin is still open; the spool is removed once the run completed', async () => {
    const child = spawn(process.execPath, [BIN, 'import', '-', '--type', 'events', ...targetArgs(emulator), '--state', state], {cwd: dir.path, env})
    const done = collect(child)
    child.stdin.write(eventLines(1, 1000))
    // Both while the producer is still writing.
    await waitForOutput(child, /Run \w{26}: events -> http:\/\/127\.0\.0\.1:\d+ \(site [\s\S]*stdin: [\d.]+ kB read/)
    expect(child.exitCode).toBeNull()
    expect(spooled()).toHaveLength(1)
    child.stdin.end(eventLines(1001, 2000))
    const result = await done
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/stdin: [\d.]+ kB read in \d+s/)
    expect(result.stdout).toMatch(/completed in/)
    expect(emulator.inspect.events()).toHaveLength(2000)
    expect(spooled()).toEqual([])
  })

  it('keeps the spool while the run can be resumed, and removes it when the resume completes', async () => {
    const child = spawn(process.execPath, [BIN, 'import', '-', '--type', 'events', '--max-body-bytes', '2400', '--rate', '10', ...targetArgs(emulator), '--state', state], {cwd: dir.path, env})
    const done = collect(child)
    child.stdin.end(eventLines(1, 3000))
    await waitForOutput(child, /stdin: [\d.]+ kB read in/)
    await new Promise((r) => setTimeout(r, 1000))
    child.kill('SIGINT')
    const stopped = await done
    expect(stopped.code, stopped.stderr).toBe(4)
    expect(spooled()).toHaveLength(1)

    const resumed = await runCli(['resume', '--site-id', emulator.siteId, '--api-key', emulator.apiKey, '--state', state, '--rate', '200'], {cwd: dir.path, env: {XDG_DATA_HOME: join(dir.path, 'data')}})
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(new Set(emulator.inspect.events().map((e) => e.data.n)).size).toBe(3000)
    expect(spooled()).toEqual([])
  })

  it('on a terminal, the banner and a redrawn byte count appear while the producer is still writing', async () => {
    const input = join(dir.path, 'part1.ndjson')
    writeFileSync(input, eventLines(1, 1000))
    const command = `(cat '${input}'; sleep 10; cat '${input}' >/dev/null) | XDG_DATA_HOME='${join(dir.path, 'data')}' '${process.execPath}' '${BIN}' import - --type events ${targetArgs(emulator).join(' ')} --state '${state}'`
    terminal = TmuxTerminal.start(command, {cwd: ROOT, columns: 80})
    const screen = await terminal.waitFor(/stdin: [\d.]+ kB read/, 9000)
    expect(screen).toMatch(/^Run \w{26}: events -> /m)
    expect(screen).not.toMatch(/completed in/)
    expect(await terminal.exitCode()).toBe(0)
    const final = terminal.screen()
    expect(final, final).toMatch(/^stdin: [\d.]+ kB read in \d+s$/m)
  })
})
