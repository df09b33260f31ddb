import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {parseJson, ROOT, runCli, tempDir} from '../helpers/cli.js'

const work = tempDir('dry-run-')
afterAll(() => work.cleanup())

/** The report without what differs from one run to the next. */
function comparable(stdout: string): Record<string, unknown> {
  const report = parseJson(stdout)
  delete report.durationMs
  return report
}

describe('import --dry-run is validate', () => {
  it.each([
    ['fixtures/people-with-errors.csv', 'people', 1],
    ['fixtures/events.ndjson', 'events', 0],
  ])('%s: same report, rejects file and exit code, no target needed', async (file, type, code) => {
    const input = join(ROOT, file)
    const validateRejects = join(work.path, `validate-${type}`)
    const dryRunRejects = join(work.path, `dry-run-${type}`)
    const validated = await runCli(['validate', input, '--type', type, '--json', '--rejects-file', validateRejects])
    const dryRun = await runCli(['import', input, '--type', type, '--dry-run', '--json', '--retry-file', dryRunRejects])
    expect(validated.code).toBe(code)
    expect(dryRun.code).toBe(code)
    const a = comparable(validated.stdout) as {files: Array<{rejectsFile: string | null}>}
    const b = comparable(dryRun.stdout) as {files: Array<{rejectsFile: string | null}>}
    if (code === 1) {
      expect(a.files[0].rejectsFile).toBe(validateRejects)
      expect(b.files[0].rejectsFile).toBe(dryRunRejects)
      expect(readFileSync(dryRunRejects, 'utf8')).toBe(readFileSync(validateRejects, 'utf8'))
      a.files[0].rejectsFile = b.files[0].rejectsFile = null
    }
    expect(b).toEqual(a)
  })

  it('prints the same human report', async () => {
    const input = join(ROOT, 'fixtures/people-with-errors.csv')
    const validated = await runCli(['validate', input, '--type', 'people'], {cwd: work.path})
    const dryRun = await runCli(['import', input, '--type', 'people', '--dry-run'], {cwd: work.path})
    expect(dryRun.code).toBe(1)
    expect(dryRun.stdout).toBe(validated.stdout)
    expect(dryRun.stdout).toContain('identifier_missing: 1')
  })
})
