import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ULID_PATTERN} from '../../src/cio/limits.js'
import {BIN, ROOT, runCli, tempDir} from '../helpers/cli.js'
import {TmuxTerminal} from '../helpers/terminal.js'

describe('small text: counts, plurals, example ids', () => {
  let dir: ReturnType<typeof tempDir>
  let terminal: TmuxTerminal | undefined
  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => {
    terminal?.close()
    terminal = undefined
    dir.cleanup()
  })

  it('the embedded emulator line: one request, grouped digits like the summary beside it', async () => {
    const input = join(dir.path, 'people.csv')
    const rows = ['id,email', ...Array.from({length: 1500}, (_, i) => `u${i},u${i}@example.com`)]
    writeFileSync(input, rows.join('\n') + '\n')
    const result = await runCli(['import', input, '--type', 'people', '--emulator', '--state', join(dir.path, 'l.sqlite')], {cwd: dir.path})
    expect(result.code, result.stderr).toBe(0)
    // Two requests reached the emulator (the target check and one batch); the run sent one batch: "1 request".
    expect(result.stderr).toMatch(/^Emulator http:\/\/127\.0\.0\.1:\d+ received 2 requests; it now holds 1,500 people and 0 events\.$/m)
    expect(result.stderr).toMatch(/\| 1 request \(/)
    expect(result.stdout).toContain('1,500 read, 1,500 succeeded')
  })

  it('loadtest --emulator: the people it created and the cleanup line agree', async () => {
    const result = await runCli(['loadtest', '--emulator', '--stages', '1s:5', '--start-rate', '5', '--quiet', '--state-dir', dir.path], {cwd: dir.path})
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^people created: [\d,]+ \(run record .+\)$/m)
    expect(result.stdout).toMatch(/^nothing to clean up: they lived in the embedded emulator, which ended with this command$/m)
    expect(result.stdout).not.toContain('recorded for cleanup')
  })

  it('every 26-character id in the help examples is a valid ULID', async () => {
    for (const command of [['resume'], ['runs', 'show'], ['loadtest', 'cleanup'], ['runs'], ['import']]) {
      const help = await runCli([...command, '--help'])
      expect(help.code).toBe(0)
      const examples = help.stdout.slice(help.stdout.indexOf('EXAMPLES'))
      for (const id of examples.match(/\b[0-9A-Z]{26}\b/g) ?? []) expect(id, `${command.join(' ')}: ${id}`).toMatch(ULID_PATTERN)
    }
  })

  it('validate shows its progress on a terminal while it reads, and nothing of it in a pipe', async () => {
    const input = join(dir.path, 'events.ndjson')
    const lines = Array.from({length: 20_000}, (_, i) => JSON.stringify({id: `p${i % 50}`, name: 'tick', timestamp: 1700000000 + i}))
    writeFileSync(input, lines.join('\n') + '\n')
    // A producer that pauses half way: the progress must be on screen during the pause.
    const command = `(cat '${input}'; sleep 8) | '${process.execPath}' '${BIN}' validate - --type events --rejects-file '${join(dir.path, 'r.ndjson')}'`
    terminal = TmuxTerminal.start(command, {cwd: ROOT, columns: 80})
    const during = await terminal.waitFor(/validating -: (19|20),\d{3} rows/, 8000)
    expect(during).not.toMatch(/\[exit \d+\]/)
    await terminal.exitCode()

    const piped = await runCli(['validate', input, '--type', 'events', '--rejects-file', join(dir.path, 'r2.ndjson')], {cwd: dir.path})
    expect(piped.code, piped.stderr).toBe(0)
    expect(piped.stderr).not.toContain('validating')
  })
})
