import {Flags} from '@oclif/core'
import {join, resolve} from 'node:path'

import {BaseCommand} from '../cli/base-command.js'
import {openBudget, type OpenedBudget} from '../cli/budget.js'
import {budgetFlags, inputArgs, inputFlags, pacingFlags, shardFlag, stateFlag, timeoutFlag, tuningFlags} from '../cli/import-flags.js'
import {defaultStatePath, runSession, type SessionSummary} from '../cli/run-session.js'
import {resolveTarget, targetFlags} from '../cli/target-flags.js'
import {asUserError} from '../cli/user-errors.js'
import {createRun} from '../importer/create-run.js'
import {Ledger} from '../ledger/ledger.js'
import {loadMappingFile} from '../mapping/index.js'
import {runValidate, type ValidationReport} from '../validation/index.js'

export default class Import extends BaseCommand {
  static override id = 'import'
  static override summary = 'Import people or events from CSV or NDJSON files into Customer.io'
  static override description = `Streams each file (any size, constant memory) through the mapping and Customer.io's rules, packs
rows into Track API v2 batches (or v1 calls), paces requests under --rate, and records progress in a
SQLite ledger so the run can be resumed exactly where it stopped. Rows that fail or break a rule go
to a retry file in the input's own format, with _line and _error columns.

Exit codes: 0 all rows succeeded; 1 finished with failed or invalid rows; 2 usage, configuration or
unreadable input; 3 credentials rejected; 4 interrupted (resumable); 5 transient errors outlasted
the retry budget (resumable).`

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
    ...pacingFlags,
    ...budgetFlags,
    ...shardFlag,
    'max-retries': Flags.integer({description: 'retries of 5xx, timeouts and resets per request before stopping (exit 5)', default: 8, min: 0}),
    ...timeoutFlag,
    ...stateFlag,
    'retry-file': Flags.string({description: 'where failed rows go [default: <input>.<run id>.retry.<ext> in the current directory]'}),
    ...tuningFlags,
    'dry-run': Flags.boolean({description: 'send nothing: run validate on the files instead (same report, rejects file and exit codes)'}),
  }

  async run(): Promise<SessionSummary | ValidationReport> {
    const {argv, flags} = await this.parse(Import)
    const inputs = argv as string[]
    if (flags['dry-run']) {
      const {type, format, mapping, api, rate, concurrency} = flags
      const request = {inputs, type, format, mapping, api, rate, concurrency, rejectsFile: flags['retry-file'], maxBodyBytes: flags['max-body-bytes']}
      return runValidate(request, {log: (line) => this.log(line), json: this.jsonEnabled(), bin: this.config.bin}).catch((error) => {
        throw asUserError(error)
      })
    }

    const statePath = resolve(flags.state ?? defaultStatePath(this.config.dataDir, flags.shard))
    let ledger: Ledger | undefined
    let emulator: Awaited<ReturnType<typeof resolveTarget>>['emulator']
    let budget: OpenedBudget | undefined
    try {
      const mapping = flags.mapping ? await loadMappingFile(flags.mapping) : null
      const resolved = await resolveTarget(flags)
      const {target} = resolved
      emulator = resolved.emulator
      // Before the run is recorded: an unreachable budget is a configuration error that leaves no run behind.
      budget = await openBudget(flags, target, flags.rate)
      ledger = Ledger.open(statePath)
      const run = await createRun(ledger, {
        inputs,
        format: flags.format,
        retryFile: flags['retry-file'],
        spoolDir: join(this.config.dataDir, 'spool'),
        target,
        config: {
          type: flags.type,
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
      })
      const summary = await runSession({
        ledger,
        run,
        target,
        emulator,
        rate: flags.rate,
        concurrency: flags.concurrency,
        budget,
        drainTimeoutSeconds: flags['drain-timeout'],
        timeoutSeconds: flags.timeout,
        benchNoLedger: flags['bench-no-ledger'],
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
      ledger?.close()
      await emulator?.close()
    }
  }
}
