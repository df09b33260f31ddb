import path from 'node:path'

import {Args, Errors, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {ExitCode} from '../../cli/exit-codes.js'
import {resolveTarget, targetFlags} from '../../cli/target-flags.js'
import {durationFlag} from '../../cli/flag-kinds.js'
import {loadTestRunId} from '../../cli/run-ids.js'
import {preflightFailure} from '../../cli/user-errors.js'
import {type CleanupResult, cleanupRun} from '../../loadtest/cleanup.js'
import {PreflightError} from '../../loadtest/preflight.js'
import {RunRecordError, readRunRecord, writeRunRecord} from '../../loadtest/run-record.js'

const {emulator: _emulator, 'emulator-suppressed': _suppressed, ...cleanupTargetFlags} = targetFlags

export default class LoadTestCleanup extends BaseCommand {
  static override id = 'loadtest cleanup'
  static override summary = 'Delete, paced, every person a load-test run created'
  static override description = `Reads the run record written by "loadtest" and sends one DELETE per person the run may have created (every operation not rejected with a 4xx). The target must be the workspace the run used.`

  static override examples = [
    'CIO_SITE_ID=... CIO_API_KEY=... <%= config.bin %> loadtest cleanup 01jz3k4m5n6p7q8r9s0t1v2w3x',
    '<%= config.bin %> loadtest cleanup 01jz3k4m5n6p7q8r9s0t1v2w3x --endpoint http://127.0.0.1:4010 --site-id s --api-key k --rate 100',
  ]

  static override enableJsonFlag = true

  static override args = {
    RUN_ID: Args.string({description: 'run id printed by loadtest (the <run id> in lt-<run id>-<n>), any case', required: true}),
  }

  static override flags = {
    // --emulator would start an empty emulator on a new port: there is never anything to clean there.
    ...cleanupTargetFlags,
    rate: Flags.integer({description: 'deletes started per second', default: 50, min: 1, max: 1000}),
    'max-in-flight': Flags.integer({description: 'deletes in flight at once', default: 10, min: 1}),
    timeout: durationFlag({description: 'per-request timeout', defaultMs: 10_000, minMs: 1}),
    'state-dir': Flags.string({description: 'directory of load-test run records (default: <data dir>/loadtests)'}),
  }

  public async run(): Promise<CleanupResult> {
    const {args, flags} = await this.parse(LoadTestCleanup)
    const timeoutMs = flags.timeout
    const stateDir = flags['state-dir'] ?? path.join(this.config.dataDir, 'loadtests')
    let record
    try {
      record = await readRunRecord(stateDir, loadTestRunId(args.RUN_ID))
    } catch (error) {
      if (error instanceof RunRecordError) throw new Errors.CLIError(error.message, {exit: ExitCode.Usage})
      throw error
    }

    const {target} = await resolveTarget({...flags, emulator: false})
    // Deleting "lt-..." ids in some other workspace would at best do nothing and at worst remove real people.
    if (target.host !== record.host || target.siteId !== record.siteId) {
      throw new Errors.CLIError(
        `Run ${record.runId} was sent to ${record.host} (site ${record.siteId}), but the target is ${target.host} (site ${target.siteId}). ` +
          'Point the target flags at the workspace the run used.',
        {exit: ExitCode.Usage},
      )
    }

    if (record.status !== 'finished') {
      this.warn(`Run ${record.runId} did not finish cleanly; deleting every id it could have used (${record.plannedSeqMax}).`)
    }

    let result: CleanupResult
    try {
      result = await cleanupRun({target, record, ratePerSecond: flags.rate, maxInFlight: flags['max-in-flight'], timeoutMs})
    } catch (error) {
      if (error instanceof PreflightError) throw preflightFailure(error)
      throw error
    }

    record.cleanup = {at: new Date().toISOString(), deleted: result.deleted, failed: result.failed}
    await writeRunRecord(stateDir, record)
    const failures = Object.entries(result.failures).map(([reason, count]) => `${reason}=${count}`).join(' ')
    this.log(
      `run ${record.runId}: deleted ${result.deleted} of ${result.attempted} people (${record.idPrefix}*), ` +
        `${result.notFound} already gone, ${result.failed} failed${failures ? ` (${failures})` : ''} in ${(result.durationMs / 1000).toFixed(1)} s`,
    )
    if (result.failed > 0) {
      this.log(`run the same command again to retry; deletes are idempotent`)
      process.exitCode = ExitCode.RowsFailed
    }

    return result
  }
}
