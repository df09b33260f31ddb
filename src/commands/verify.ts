import {Args, Errors, Flags} from '@oclif/core'
import {resolve} from 'node:path'

import {BaseCommand} from '../cli/base-command.js'
import {ExitCode, type ExitCodeValue} from '../cli/exit-codes.js'
import {stateFlag} from '../cli/import-flags.js'
import {defaultStatePath} from '../cli/run-session.js'
import {asUserError} from '../cli/user-errors.js'
import {Ledger} from '../ledger/ledger.js'
import {APP_API_HOSTS, AppApiAuthError, runVerify, type VerifyReport} from '../verify/index.js'

/** Mismatches printed in the text report; the rest are in the file and in --json. */
const SHOWN = 20

export default class Verify extends BaseCommand {
  static override id = 'verify'
  static override summary = 'Read the people of an import back through the App API and compare them with what was sent'
  static override description = `Re-reads the run's input files (refused if they changed), computes what the run set on each
person (last row wins, typed as sent, with the run's own mapping and rules), reads a sample of them
(or --all) back through the App API (100 a call, at most 10 calls a second, 429s retried) and compares
the values as the App API returns them (strings). Suppressed people, attribute update failures and
dropped cio_ids are answered 200 by the Track API: this is where they show. The rows of every person
that differs are written in the input's format (with _line and _error) so they can be imported again.

Exit codes: 0 every person checked matches; 1 some are missing or different; 2 usage, unreadable
or changed input, unfinished run; 3 the App API key was refused.`

  static override examples = [
    'CIO_APP_API_KEY=... <%= config.bin %> verify',
    '<%= config.bin %> verify 01JD3F0X6Y8Q2W4E5R6T7Y8U9I --all --app-key $KEY --region eu',
    '<%= config.bin %> verify --all --app-endpoint http://127.0.0.1:4010 --app-key emulator-app-key',
  ]

  static override enableJsonFlag = true
  static override args = {
    run: Args.string({description: 'run id (default: the most recent finished people run)'}),
  }

  static override flags = {
    sample: Flags.integer({description: 'how many people to read back, chosen at random', default: 1000, min: 1, exclusive: ['all']}),
    all: Flags.boolean({description: 'read back every person the run sent', default: false}),
    'app-key': Flags.string({description: 'App API key (Bearer; not the Track API key; never stored or printed)', env: 'CIO_APP_API_KEY'}),
    region: Flags.option({description: 'Customer.io region of the workspace', options: ['us', 'eu'] as const, default: 'us' as const})(),
    'app-endpoint': Flags.string({
      description: 'App API host root, e.g. a running "cio-backfill emulator" at http://127.0.0.1:4010 (overrides --region)',
      env: 'CIO_APP_URL',
    }),
    ...stateFlag,
  }

  async run(): Promise<VerifyReport & {exitCode: ExitCodeValue}> {
    const {args, flags} = await this.parse(Verify)
    const appKey = flags['app-key']
    if (!appKey) this.error('No App API key: give --app-key or CIO_APP_API_KEY (an App API key, not the Track API key).', {exit: ExitCode.Usage})
    const appHost = (flags['app-endpoint'] ?? APP_API_HOSTS[flags.region]).replace(/\/+$/, '')
    if (flags['app-endpoint'] && !/^https?:\/\/[^/]/.test(flags['app-endpoint'])) {
      this.error(`--app-endpoint must be an http(s) URL such as http://127.0.0.1:4010, got "${flags['app-endpoint']}"`, {exit: ExitCode.Usage})
    }

    const ledger = Ledger.open(resolve(flags.state ?? defaultStatePath(this.config.dataDir)))
    try {
      const run = args.run ? ledger.getRun(args.run) : ledger.listRuns(1000).find((r) => r.type === 'people' && r.status.startsWith('completed'))
      if (!run) this.error(args.run ? `no run ${args.run} in ${ledger.path}` : `no finished people run in ${ledger.path}`, {exit: ExitCode.Usage})
      const report = await runVerify({
        ledger,
        run,
        appHost,
        appKey,
        sample: flags.all ? 'all' : flags.sample,
        onProgress: (line) => process.stderr.write(`${line}\n`),
      })
      const exitCode = report.missing + report.different > 0 ? ExitCode.RowsFailed : ExitCode.Ok
      if (!this.jsonEnabled()) this.log(reportText(report))
      process.exitCode = exitCode
      return {...report, exitCode}
    } catch (error) {
      if (error instanceof AppApiAuthError) throw new Errors.CLIError(error.message, {exit: ExitCode.AuthRejected})
      throw asUserError(error)
    } finally {
      ledger.close()
    }
  }
}

function reportText(r: VerifyReport): string {
  const lines = [
    `Verify run ${r.runId}: ${r.checked} of ${r.people} people read back from ${r.appHost} in ${(r.durationMs / 1000).toFixed(1)}s`,
    `  equal: ${r.equal}, missing: ${r.missing}, different: ${r.different}`,
  ]
  for (const m of r.mismatches.slice(0, SHOWN)) {
    const detail = m.differences?.map((d) => `${d.attribute} sent ${JSON.stringify(d.sent)} found ${JSON.stringify(d.found)}`).join('; ')
    lines.push(`  ${m.outcome.padEnd(9)} ${m.identifier}${detail ? `  ${detail}` : ''}`)
  }

  if (r.mismatches.length > SHOWN) lines.push(`  ... and ${r.mismatches.length - SHOWN} more (in the file below and in --json)`)
  for (const file of r.mismatchFiles) lines.push(`  rows to import again: ${file}`)
  return lines.join('\n')
}
