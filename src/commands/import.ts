import {Flags} from '@oclif/core'
import {join, resolve} from 'node:path'

import {BaseCommand} from '../cli/base-command.js'
import {beforeSending} from '../cli/before-sending.js'
import {openBudget, type OpenedBudget} from '../cli/budget.js'
import {budgetFlags, inputArgs, inputFlags, pacingFlags, quietFlag, shardFlag, stateFlag, timeoutFlag, tuningFlags, verboseFlag} from '../cli/import-flags.js'
import {resolveRecordType} from '../cli/record-type.js'
import {announceRun, defaultStatePath, runSession, type SessionSummary} from '../cli/run-session.js'
import {confirmFlags, resolveTarget, targetFlags} from '../cli/target-flags.js'
import {CodedError} from '../cli/error-codes.js'
import {asUserError} from '../cli/user-errors.js'
import {createRun, type HeaderWarning, newRunId} from '../importer/create-run.js'
import {checkResumable} from '../importer/resume-check.js'
import {sameShard, type ShardSpec} from '../importer/shard.js'
import {Ledger} from '../ledger/ledger.js'
import {RESUMABLE, type RunRecord} from '../ledger/records.js'
import {loadMappingFile} from '../mapping/index.js'
import {createSpoolReporter} from '../reporting/progress-reporter.js'
import type {TrackTarget} from '../target/track-target.js'
import {formatDuration, runValidate, type ValidationReport} from '../validation/index.js'

export default class Import extends BaseCommand {
  static override id = 'import'
  static override summary = 'Import people or events from CSV or NDJSON files into Customer.io'
  static override description = `Streams each file (any size, constant memory) through the mapping and Customer.io's rules, packs
rows into Track API v2 batches (or v1 calls), paces requests under --rate, and records progress in a
SQLite ledger so the run can be resumed exactly where it stopped. Rows that fail or break a rule go
to a retry file in the input's own format, with _line and _error columns.

Before the first batch it checks the target (GET /api/v1/accounts/region): a rejected key exits 3, a
wrong region or an unreachable host exits 2, within seconds. Sending to a Customer.io workspace from
a terminal shows the files, rows, requests and duration and asks first (--yes skips the question).

Exit codes: 0 all rows succeeded; 1 finished with failed or invalid rows; 2 usage, configuration,
unreadable input, wrong region, unreachable host or the question answered no; 3 credentials
rejected; 4 interrupted (resumable); 5 transient errors outlasted the retry budget (resumable).`

  static override examples = [
    '<%= config.bin %> import fixtures/people.csv --type people --emulator',
    'CIO_SITE_ID=... CIO_API_KEY=... <%= config.bin %> import people.csv --type people --region eu',
    '<%= config.bin %> import events.ndjson.gz --type events --endpoint http://127.0.0.1:4010 --site-id s --api-key k --rate 50',
    '<%= config.bin %> import events.ndjson --type events --shard 0/2 --budget redis://127.0.0.1:6379 --rate 800   # one of two processes sharing 800/s',
  ]

  static override strict = false
  static override enableJsonFlag = true
  static override args = inputArgs
  static override flags = {
    ...inputFlags,
    ...targetFlags,
    ...confirmFlags,
    ...pacingFlags,
    ...budgetFlags,
    ...shardFlag,
    'max-retries': Flags.integer({description: 'retries of 5xx, timeouts and resets per request before stopping (exit 5)', default: 8, min: 0}),
    ...timeoutFlag,
    ...stateFlag,
    'retry-file': Flags.string({description: 'where failed rows go [default: <input>.<run id>.retry.<ext> in the current directory]'}),
    ...tuningFlags,
    'dry-run': Flags.boolean({description: 'send nothing: run validate on the files instead (same report, rejects file and exit codes)'}),
    once: Flags.boolean({
      description:
        "import these inputs once per state file: continue this state file's run of the same inputs, target and shard when there is one (resumed when unfinished, nothing sent when it completed), else start it; for restartable jobs (a Kubernetes Job's pods)",
      default: false,
    }),
    ...quietFlag,
    ...verboseFlag,
  }

  /** Importing the same inputs into the same target again starts over: say that the earlier run can be resumed instead. */
  /**
   * --once: the state file's latest run of these inputs into this target (and shard). Unfinished, it is
   * continued as `resume` would (input unchanged, same shard); completed, the session finds every file done
   * and only reports it. A changed input is refused, as resume refuses it.
   */
  private async earlierRun(ledger: Ledger, inputs: string[], target: TrackTarget, shard: ShardSpec | undefined): Promise<RunRecord | null> {
    if (inputs.includes('-')) throw new CodedError('--once needs files: standard input cannot be recognised again', 'usage')
    const run = ledger.runsOf(inputs.map((i) => resolve(i)), target).find((r) => sameShard(r.config.shard, shard ?? null))
    if (!run) return null
    if (RESUMABLE.has(run.status)) {
      await checkResumable(ledger, run, target, false, shard)
      process.stderr.write(`--once: continuing run ${run.id} (${run.status}) of these inputs\n`)
    } else {
      process.stderr.write(`--once: run ${run.id} of these inputs already ended (${run.status}); nothing to send\n`)
    }

    return run
  }

  private noteUnfinishedRuns(ledger: Ledger, inputs: string[], target: {host: string; siteId: string}, stateFlag?: string): void {
    if (inputs.includes('-')) return
    const state = stateFlag ? ` --state ${JSON.stringify(stateFlag)}` : ''
    for (const earlier of ledger.runsOf(inputs.map((i) => resolve(i)), target)) {
      if (!RESUMABLE.has(earlier.status)) continue
      const age = formatDuration(Math.max(0, (Date.now() - earlier.createdAt) / 1000))
      process.stderr.write(
        `note: run ${earlier.id} of ${inputs.join(', ')} into ${target.host} is unfinished (${earlier.status}, started ${age} ago). This import starts again from the first row; to continue that run instead: cio-backfill resume ${earlier.id}${state}\n`,
      )
    }
  }

  async run(): Promise<(SessionSummary & {warnings: HeaderWarning[]}) | ValidationReport> {
    const {argv, flags} = await this.parse(Import)
    const inputs = argv as string[]
    const type = await resolveRecordType(flags.type, flags.mapping).catch((error) => {
      throw asUserError(error)
    })
    if (flags['dry-run']) {
      const {format, mapping, api, rate, concurrency} = flags
      const request = {inputs, type, format, mapping, api, rate, concurrency, rejectsFile: flags['retry-file'], maxBodyBytes: flags['max-body-bytes']}
      return runValidate(request, {log: (line) => this.log(line), json: this.jsonEnabled(), bin: this.config.bin}).catch((error) => {
        throw asUserError(error)
      })
    }

    const statePath = resolve(flags.state ?? defaultStatePath(this.config.dataDir, flags.shard))
    let ledger: Ledger | undefined
    let emulator: Awaited<ReturnType<typeof resolveTarget>>['emulator']
    const warnings: HeaderWarning[] = []
    let budget: OpenedBudget | undefined
    try {
      const mapping = flags.mapping ? await loadMappingFile(flags.mapping) : null
      const resolved = await resolveTarget(flags)
      const {target} = resolved
      emulator = resolved.emulator
      // Before the run is recorded: an unreachable budget is a configuration error that leaves no run behind.
      budget = await openBudget(flags, target, flags.rate)
      ledger = Ledger.open(statePath)
      const earlier = flags.once ? await this.earlierRun(ledger, inputs, target, flags.shard) : null
      if (!earlier) this.noteUnfinishedRuns(ledger, inputs, target, flags.state)
      else if (RESUMABLE.has(earlier.status)) {
        await beforeSending({
          target,
          files: ledger.runFiles(earlier.id).filter((f) => !f.done),
          what: `the rest of run ${earlier.id} (${earlier.type})`,
          yes: flags.yes,
          budget: budget?.budget,
          estimate: {type, api: flags.api, mapping: mapping ?? undefined, rate: flags.rate, maxBodyBytes: flags['max-body-bytes']},
        })
      }

      // stdin is copied aside before sending: say so at once, not when the pipe closes.
      const id = inputs.includes('-') ? newRunId() : undefined
      if (id && !flags.quiet) announceRun({id, type, api: flags.api}, target, flags.rate, flags.concurrency)
      const spool = id ? createSpoolReporter() : undefined
      const run = earlier ?? await createRun(ledger, {
        id,
        onStdinBytes: spool && ((bytes) => spool.update(bytes)),
        inputs,
        format: flags.format,
        retryFile: flags['retry-file'],
        spoolDir: join(this.config.dataDir, 'spool'),
        target,
        beforeRecord: (files) =>
          beforeSending({
            target,
            files,
            what: type,
            yes: flags.yes,
            budget: budget?.budget,
            estimate: {type, api: flags.api, mapping: mapping ?? undefined, rate: flags.rate, maxBodyBytes: flags['max-body-bytes']},
          }),
        onWarning(warning) {
          warnings.push(warning)
          process.stderr.write(`warning (${warning.rule}): ${warning.file}: ${warning.message}\n`)
        },
        config: {
          type,
          api: flags.api,
          rate: flags.rate,
          concurrency: flags.concurrency,
          maxRetries: flags['max-retries'],
          mapping,
          mappingPath: flags.mapping ?? null,
          emulator: flags.emulator,
          maxBodyBytes: flags['max-body-bytes'],
          retryBaseMs: flags['retry-base-ms'],
          shard: flags.shard ?? null,
        },
      }).finally(() => spool?.stop())
      const summary = await runSession({
        announced: Boolean(id),
        ledger,
        run,
        target,
        emulator,
        rate: flags.rate,
        concurrency: flags.concurrency,
        budget,
        drainTimeoutSeconds: flags['drain-timeout'] / 1000,
        timeoutSeconds: flags.timeout / 1000,
        quiet: flags.quiet,
        verbose: flags.verbose,
        benchNoLedger: flags['bench-no-ledger'],
        stateFlag: flags.state,
        json: this.jsonEnabled(),
      })
      process.exitCode = summary.exitCode
      return {...summary, warnings}
    } catch (error) {
      await budget?.budget.close()
      throw asUserError(error)
    } finally {
      ledger?.close()
      await emulator?.close()
    }
  }
}
