import {Args, Flags} from '@oclif/core'
import {resolve} from 'node:path'

import {BaseCommand} from '../cli/base-command.js'
import {openBudget, type OpenedBudget} from '../cli/budget.js'
import {budgetFlags, quietFlag, shardOption, stateFlag, timeoutFlag, tuningFlags, verboseFlag} from '../cli/import-flags.js'
import {defaultStatePath, runSession, type SessionSummary} from '../cli/run-session.js'
import {beforeSending} from '../cli/before-sending.js'
import {importRunId} from '../cli/run-ids.js'
import {confirmFlags, resolveTarget, targetFlags} from '../cli/target-flags.js'
import {asUserError} from '../cli/user-errors.js'
import {checkResumable, mayRetarget, ResumeRefusedError, supersededBy} from '../importer/resume-check.js'
import {formatDuration} from '../validation/index.js'
import {Ledger} from '../ledger/ledger.js'
import type {MappingFile} from '../mapping/index.js'

export default class Resume extends BaseCommand {
  static override id = 'resume'
  static override summary = 'Continue an interrupted or stopped import exactly where it stopped'
  static override description = `Reads the run from the ledger (inputs, mapping, options, target) and sends only what has no
answer yet. Credentials are never stored: give them again by flag or environment. Only --rate,
--concurrency and the shared budget (--budget, never stored) may change. A changed input file or another workspace is refused unless --force.
Exit codes are those of import.`

  static override examples = [
    'CIO_SITE_ID=... CIO_API_KEY=... <%= config.bin %> resume',
    '<%= config.bin %> resume 01JD3F0X6Y8Q2W4E5R6T7Y8V9K --rate 40',
  ]

  static override enableJsonFlag = true
  static override args = {
    RUN_ID: Args.string({description: 'run id, in any case (default: the most recent unfinished run)'}),
  }

  static override flags = {
    ...targetFlags,
    ...confirmFlags,
    rate: Flags.integer({description: 'requests per second at most [default: as the run began]', min: 1, max: 1000, helpGroup: 'PACING', env: 'CIO_BACKFILL_RATE'}),
    concurrency: Flags.integer({description: 'requests in flight at most [default: as the run began]', min: 1, max: 100, helpGroup: 'PACING', env: 'CIO_BACKFILL_CONCURRENCY'}),
    ...budgetFlags,
    shard: shardOption("the run's shard, I/N: picks its default state file; resuming it as another shard is refused"),
    ...timeoutFlag,
    ...stateFlag,
    force: Flags.boolean({description: 'resume even though an input changed or the workspace differs', default: false}),
    'break-lock': Flags.boolean({
      description: 'take the run even though another process seems to hold it (only when you know it is gone)',
      default: false,
    }),
    'drain-timeout': tuningFlags['drain-timeout'],
    ...quietFlag,
    ...verboseFlag,
  }

  async run(): Promise<SessionSummary> {
    const {args, flags} = await this.parse(Resume)
    const statePath = resolve(flags.state ?? defaultStatePath(this.config.dataDir, flags.shard))
    let ledger: Ledger | null = null
    let emulator: Awaited<ReturnType<typeof resolveTarget>>['emulator']
    let budget: OpenedBudget | undefined
    try {
      const runId = args.RUN_ID === undefined ? undefined : importRunId(args.RUN_ID)
      // Never creates a ledger: there is nothing to resume where there is none.
      ledger = Ledger.openExisting(statePath)
      let run = ledger === null ? null : runId ? ledger.getRun(runId) : ledger.latestUnfinished()
      if (!ledger || !run) {
        throw new ResumeRefusedError(runId ? `no run ${runId} in ${statePath}` : `no unfinished run in ${statePath}`)
      }
      if (!runId) {
        const files = ledger.runFiles(run.id).map((f) => f.displayPath).join(', ')
        const later = supersededBy(ledger, run)
        if (later) {
          throw new ResumeRefusedError(
            `the most recent unfinished run ${run.id} (${files} -> ${run.host}) was superseded by run ${later.id} of the same input into the same target (${later.status}); resuming it would send its rows again. To resume it anyway, name it: cio-backfill resume ${run.id}`,
          )
        }
        const age = formatDuration(Math.max(0, (Date.now() - run.createdAt) / 1000))
        process.stderr.write(`Resuming run ${run.id} (${run.status}): ${run.type} from ${files} -> ${run.host} (site ${run.siteId}), started ${age} ago\n`)
      }

      // The host comes from the ledger unless the user names one; credentials always come from the user.
      const resolved = await resolveTarget({
        ...flags,
        emulator: flags.emulator || run.config.emulator,
        endpoint: flags.endpoint ?? (flags.emulator || run.config.emulator ? undefined : run.host),
      })
      emulator = resolved.emulator
      const problems = await checkResumable(ledger, run, resolved.target, flags.force, flags.shard)
      const target = resolved.target
      if (!run.config.emulator && (target.host !== run.host || target.siteId !== run.siteId) && mayRetarget(ledger, run)) {
        process.stderr.write(`Nothing of run ${run.id} was acknowledged yet: it now goes to ${target.host} (site ${target.siteId}).\n`)
        ledger.retarget(run.id, target)
        run = ledger.getRun(run.id)!
      }
      for (const problem of problems) this.warn(`--force: ${problem}`)
      const rate = flags.rate ?? run.config.rate
      budget = await openBudget(flags, resolved.target, rate)
      await beforeSending({
        target: resolved.target,
        files: ledger.runFiles(run.id).filter((f) => !f.done),
        what: `the rest of run ${run.id} (${run.type})`,
        yes: flags.yes,
        budget: budget?.budget,
        estimate: {type: run.type, api: run.api, mapping: (run.config.mapping ?? undefined) as MappingFile | undefined, rate, maxBodyBytes: run.config.maxBodyBytes},
      })
      const summary = await runSession({
        ledger,
        run,
        target: resolved.target,
        emulator,
        rate,
        concurrency: flags.concurrency ?? run.config.concurrency,
        budget,
        drainTimeoutSeconds: flags['drain-timeout'] / 1000,
        timeoutSeconds: flags.timeout / 1000,
        quiet: flags.quiet,
        verbose: flags.verbose,
        breakLock: flags['break-lock'],
        stateFlag: flags.state,
        json: this.jsonEnabled(),
      })
      process.exitCode = summary.exitCode
      return summary
    } catch (error) {
      await budget?.budget.close()
      throw asUserError(error)
    } finally {
      ledger?.close()
      await emulator?.close()
    }
  }
}

