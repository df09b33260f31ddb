import {Args, Flags} from '@oclif/core'
import {resolve} from 'node:path'

import {BaseCommand} from '../cli/base-command.js'
import {openBudget, type OpenedBudget} from '../cli/budget.js'
import {budgetFlags, shardOption, stateFlag, timeoutFlag, tuningFlags} from '../cli/import-flags.js'
import {defaultStatePath, runSession, type SessionSummary} from '../cli/run-session.js'
import {resolveTarget, targetFlags} from '../cli/target-flags.js'
import {asUserError} from '../cli/user-errors.js'
import {checkResumable, ResumeRefusedError} from '../importer/resume-check.js'
import {Ledger} from '../ledger/ledger.js'

export default class Resume extends BaseCommand {
  static override id = 'resume'
  static override summary = 'Continue an interrupted or stopped import exactly where it stopped'
  static override description = `Reads the run from the ledger (inputs, mapping, options, target) and sends only what has no
answer yet. Credentials are never stored: give them again by flag or environment. Only --rate,
--concurrency and the shared budget (--budget, never stored) may change. A changed input file or another workspace is refused unless --force.
Exit codes are those of import.`

  static override examples = [
    'CIO_SITE_ID=... CIO_API_KEY=... <%= config.bin %> resume',
    '<%= config.bin %> resume 01JD3F0X6Y8Q2W4E5R6T7Y8U9I --rate 40',
  ]

  static override enableJsonFlag = true
  static override args = {
    run: Args.string({description: 'run id (default: the most recent unfinished run)'}),
  }

  static override flags = {
    ...targetFlags,
    rate: Flags.integer({description: 'requests per second at most [default: as the run began]', min: 1, max: 1000, helpGroup: 'PACING'}),
    concurrency: Flags.integer({description: 'requests in flight at most [default: as the run began]', min: 1, max: 100, helpGroup: 'PACING'}),
    ...budgetFlags,
    shard: shardOption("the run's shard, I/N: picks its default state file; resuming it as another shard is refused"),
    ...timeoutFlag,
    ...stateFlag,
    force: Flags.boolean({description: 'resume even though an input changed or the workspace differs', default: false}),
    'drain-timeout': tuningFlags['drain-timeout'],
  }

  async run(): Promise<SessionSummary> {
    const {args, flags} = await this.parse(Resume)
    const ledger = Ledger.open(resolve(flags.state ?? defaultStatePath(this.config.dataDir, flags.shard)))
    let emulator: Awaited<ReturnType<typeof resolveTarget>>['emulator']
    let budget: OpenedBudget | undefined
    try {
      const run = args.run ? ledger.getRun(args.run) : ledger.latestUnfinished()
      if (!run) {
        throw new ResumeRefusedError(args.run ? `no run ${args.run} in ${ledger.path}` : `no unfinished run in ${ledger.path}`)
      }

      // The host comes from the ledger unless the user names one; credentials always come from the user.
      const resolved = await resolveTarget({
        ...flags,
        emulator: flags.emulator || run.config.emulator,
        endpoint: flags.endpoint ?? (flags.emulator || run.config.emulator ? undefined : run.host),
      })
      emulator = resolved.emulator
      const problems = await checkResumable(ledger, run, resolved.target, flags.force, flags.shard)
      for (const problem of problems) this.warn(`--force: ${problem}`)
      const rate = flags.rate ?? run.config.rate
      budget = await openBudget(flags, resolved.target, rate)
      const summary = await runSession({
        ledger,
        run,
        target: resolved.target,
        emulator,
        rate,
        concurrency: flags.concurrency ?? run.config.concurrency,
        budget,
        drainTimeoutSeconds: flags['drain-timeout'],
        timeoutSeconds: flags.timeout,
        stateFlag: flags.state,
        json: this.jsonEnabled(),
        log: (line) => this.log(line),
      })
      process.exitCode = summary.exitCode
      return summary
    } catch (error) {
      await budget?.budget.close()
      throw asUserError(error)
    } finally {
      ledger.close()
      await emulator?.close()
    }
  }
}

