import {spawn} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {BIN, parseJson, runCli} from '../helpers/cli.js'
import {closeEmulatorAndDir, emulatorAndDir, targetArgs, type TempDir} from '../helpers/emulator.js'
import {TmuxTerminal} from '../helpers/terminal.js'

const ROWS = 5000

function eventsFile(path: string): void {
  const lines = []
  for (let i = 1; i <= ROWS; i++) lines.push(JSON.stringify({id: `p${i % 50}`, name: 'tick', timestamp: 1700000000 + i, data: {n: i}}))
  writeFileSync(path, lines.join('\n') + '\n')
}

const shell = (args: string[]) => args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ')

/** Lines of the screen that match exactly (wrapped lines are joined by the capture). */
function linesMatching(screen: string, pattern: RegExp): string[] {
  return screen.split('\n').filter((line) => pattern.test(line))
}

describe('what the terminal shows when a run is stopped', () => {
  let emulator: RunningEmulator
  let dir: TempDir
  let input: string
  let state: string
  let terminal: TmuxTerminal | undefined
  /** About 20 rows per request at 15 requests/s: the file takes far longer than the test waits. */
  let importCommand: string
  beforeEach(async () => {
    ;({emulator, dir} = await emulatorAndDir({faults: {latencyMs: 30}}))
    input = join(dir.path, 'events.ndjson')
    state = join(dir.path, 'ledger.sqlite')
    eventsFile(input)
    const args = ['import', input, '--type', 'events', '--max-body-bytes', '2400', '--rate', '15', '--concurrency', '4', ...targetArgs(emulator), '--state', state]
    importCommand = shell([process.execPath, BIN, ...args])
  })
  afterEach(async () => {
    terminal?.close()
    terminal = undefined
    await closeEmulatorAndDir(emulator, dir)
  })

  async function runStatus(): Promise<string> {
    const list = await runCli(['runs', '--state', state, '--json'], {cwd: dir.path})
    return parseJson(list.stdout).runs[0].status
  }

  it('Ctrl-C on an 80-column terminal: the bar ends before the stop message, and the summary is intact', async () => {
    terminal = TmuxTerminal.start(importCommand, {cwd: dir.path, columns: 80})
    const running = await terminal.waitFor(/% \| [1-9][\d,]* rows/)
    terminal.sendKeys('C-c')
    expect(await terminal.exitCode()).toBe(4)
    const screen = terminal.screen()

    expect(linesMatching(screen, /^SIGINT: stopping; requests in flight are finishing \(send it again to exit at once\)$/), screen).toHaveLength(1)
    expect(linesMatching(screen, /^Run \w{26}: interrupted in \d+\.\ds$/), screen).toHaveLength(1)
    expect(linesMatching(screen, /^ {2}rows: {5}[\d,]+ read, [\d,]+ succeeded, 0 failed, 0 invalid$/), screen).toHaveLength(1)
    expect(linesMatching(screen, /^ {2}resume with: cio-backfill resume \w{26} --state ".+ledger\.sqlite"$/), screen).toHaveLength(1)
    // The terminal's ^C echo fits after the bar instead of folding a lone "C" onto a row of its own.
    expect(terminal.screen({rows: true}).split('\n')).not.toContain('C')
    // Nothing drawn after the message: the bar never shows up below it.
    const afterStop = screen.slice(screen.indexOf('SIGINT: stopping'))
    expect(afterStop).not.toMatch(/[█░]/)

    // The percentage follows what was acknowledged, not what the reader got ahead to (the whole file fits in one read).
    const bar = linesMatching(running, /% \| [\d,]+ rows/).at(-1)!
    const [, percent, rows] = /([\d.]+)% \| ([\d,]+) rows/.exec(bar)!
    expect(Number(percent), bar).toBeLessThanOrEqual((100 * Number(rows.replaceAll(',', ''))) / ROWS + 0.5)
    // At 80 columns the figures that matter are all there, on one line.
    expect(bar, bar).toMatch(/ \| failed 0 \| invalid 0 \| ETA (--|\d+[smh][\dms]*)$/)
    expect(bar.length).toBeLessThan(80)
  })

  it('`2>&1 | tee` and Ctrl-C (tee dies too): the summary and the resume line still reach the terminal, exit 4', async () => {
    const log = join(dir.path, 'import.log')
    const code = join(dir.path, 'code')
    terminal = TmuxTerminal.start(`(${importCommand}; echo $? > ${shell([code])}) 2>&1 | tee ${shell([log])}`, {cwd: dir.path})
    await terminal.waitFor(/\[\d+s\] [\d.]+% [1-9][\d,]* rows/)
    terminal.sendKeys('C-c')
    const screen = await terminal.waitFor(/resume with: .*\n/)
    expect(linesMatching(screen, /Run \w{26}: interrupted in \d+\.\ds$/), screen).toHaveLength(1)
    expect(linesMatching(screen, /^ {2}resume with: cio-backfill resume \w{26} --state ".+ledger\.sqlite"$/), screen).toHaveLength(1)
    await terminal.waitFor(/\[exit \d+\]/)
    expect(readFileSync(code, 'utf8').trim()).toBe('4')
    expect(await runStatus()).toBe('interrupted')
    // What tee saw before it died is in the log.
    expect(readFileSync(log, 'utf8')).toMatch(/^Run \w{26}: events -> /)
  })

  it('stderr and stdout closed by `| head -1` (EPIPE) is an interruption: exit 4, the run marked interrupted', async () => {
    // A session of its own: no controlling terminal, so nothing can fall back to one.
    const child = spawn('bash', ['-c', `${importCommand} 2>&1 | head -1; echo "exit \${PIPESTATUS[0]}"`], {cwd: dir.path, detached: true, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    const exited = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(exited).toBe(0)
    const lines = out.trim().split('\n')
    expect(lines[0]).toMatch(/^Run \w{26}: events -> /)
    expect(lines.at(-1)).toBe('exit 4')
    expect(await runStatus()).toBe('interrupted')
    expect(emulator.inspect.events().length).toBeLessThan(ROWS)
  })
})
