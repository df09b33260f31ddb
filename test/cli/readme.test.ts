import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {commandReference, environmentTable, fillMarkers} from '../../src/cli/command-reference.js'
import {ROOT} from '../helpers/cli.js'

const readme = () => readFileSync(join(ROOT, 'README.md'), 'utf8')

/** Issue 14, README part: the reference cannot drift from the commands, and what the README promises exists. */
describe('README.md', () => {
  it('holds the command reference and environment table generated from the built commands (npm run readme)', async () => {
    const text = readme()
    const fresh = fillMarkers(text, {commands: await commandReference(ROOT), env: await environmentTable(ROOT)})
    // On failure: run `npm run readme` and commit README.md.
    expect(text === fresh, 'README.md is stale: run npm run readme').toBe(true)
  })

  it('documents every command and every flag of import in the reference', async () => {
    const reference = await commandReference(ROOT)
    for (const command of ['emulator', 'import', 'loadtest', 'loadtest cleanup', 'mapping init', 'plan', 'resume', 'runs', 'runs prune', 'runs show', 'validate']) {
      expect(reference).toContain(`### cio-backfill ${command}\n`)
    }

    for (const flag of ['--dry-run', '--quiet', '--verbose', '--timeout=<duration>', '--type=people|events']) expect(reference).toContain(flag)
  })

  it('has no relative link to a file that does not exist', () => {
    const links = [...readme().matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l))
    for (const link of links) expect(existsSync(join(ROOT, link)), link).toBe(true)
  })

  it('lists --dry-run in the import flag table and each --json error code', () => {
    const text = readme()
    expect(text).toMatch(/^\| `--dry-run` \|/m)
    for (const code of ['usage', 'unknown_flag', 'input_error', 'mapping_error', 'ledger_error', 'resume_refused', 'auth_rejected']) {
      expect(text, code).toMatch(new RegExp(`\\| \`${code}\` \\|`))
    }
  })

  it('says which Node versions are supported', () => {
    expect(readme()).toMatch(/## Supported Node versions/)
  })
})
