import {mkdirSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {BIN, ROOT, runCli, tempDir} from '../helpers/cli.js'
import {TmuxTerminal} from '../helpers/terminal.js'

/** Longer than a line of an 80-column terminal, as a deep export folder under a long TMPDIR is. */
function longMissingPath(base: string): string {
  const folder = join(base, 'a-rather-long-directory-name-for-exports', 'and', 'deeper', 'still', 'much-deeper-folder')
  mkdirSync(folder, {recursive: true})
  return join(folder, 'people-export-2024.csv')
}

describe('messages are never broken inside a path or a word', () => {
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

  it('in a pipe: the error names the whole path on one line', async () => {
    const path = longMissingPath(dir.path)
    expect(path.length).toBeGreaterThan(80)
    const result = await runCli(['import', path, '--type', 'people', '--emulator'], {cwd: dir.path})
    expect(result.code).toBe(2)
    expect(result.stderr.split('\n')).toContain(` ›   Error: ${path}: no such file (rule: file_not_found)`)
  })

  it('on an 80-column terminal: the path is whole (the terminal may fold it, nothing inside it breaks it)', async () => {
    const path = longMissingPath(dir.path)
    terminal = TmuxTerminal.start(`'${process.execPath}' '${BIN}' import '${path}' --type people --emulator`, {cwd: dir.path, columns: 80})
    expect(await terminal.exitCode()).toBe(2)
    const lines = terminal.screen().split('\n')
    expect(lines.some((line) => line.includes(path)), lines.join('\n')).toBe(true)
    // Wrapped between words: the words of the message, in order, and each whole.
    const message = lines.filter((line) => line.startsWith(' ›   ')).map((line) => line.slice(5)).join(' ')
    expect(message).toBe(`Error: ${path}: no such file (rule: file_not_found)`)
  })

  it.each([100, 90])('help at %i columns: description paragraphs are filled evenly, not ragged', async (columns) => {
    terminal = TmuxTerminal.start(`'${process.execPath}' '${BIN}' import --help`, {cwd: ROOT, columns, rows: 100})
    expect(await terminal.exitCode()).toBe(0)
    const screen = terminal.screen()
    const description = screen.slice(screen.indexOf('DESCRIPTION\n') + 'DESCRIPTION\n'.length, screen.indexOf('\nEXAMPLES'))
    const paragraphs = description.trim().split(/\n\s*\n/).map((p) => p.split('\n'))
    expect(paragraphs.length).toBeGreaterThanOrEqual(3)
    for (const paragraph of paragraphs) {
      // Every line but a paragraph's last is filled to within a word of the width.
      for (const line of paragraph.slice(0, -1)) expect(line.length, paragraph.join('\n')).toBeGreaterThan(columns - 20)
    }
  })
})
