import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {shardOption, stateFlag} from '../../cli/import-flags.js'
import {defaultStatePath} from '../../cli/run-session.js'
import {asUserError} from '../../cli/user-errors.js'
import {Ledger, LedgerError} from '../../ledger/ledger.js'
import {describeRun, type RunDetails} from '../../reporting/run-listing.js'

export default class RunsShow extends BaseCommand {
  static override id = 'runs show'
  static override summary = 'Show one run: configuration, target, files and resume points, counts and problems'
  static override examples = ['<%= config.bin %> runs show 01JD3F0X6Y8Q2W4E5R6T7Y8U9I']
  static override enableJsonFlag = true
  static override args = {run: Args.string({description: 'run id', required: true})}
  static override flags = {...stateFlag, shard: shardOption('read the default state file of shard I/N (as import --shard writes it)')}

  async run(): Promise<RunDetails> {
    const {args, flags} = await this.parse(RunsShow)
    let ledger: Ledger | undefined
    try {
      ledger = Ledger.open(flags.state ?? defaultStatePath(this.config.dataDir, flags.shard))
      const run = ledger.getRun(args.run)
      if (!run) throw new LedgerError(`no run ${args.run} in ${ledger.path}`)
      const details = describeRun(ledger, run)
      this.log(`Run ${details.runId} (${details.status})`)
      this.log(`  created ${details.createdAt}, updated ${details.updatedAt}, active ${(details.activeMs / 1000).toFixed(1)}s`)
      this.log(`  ${details.type} via ${details.api} -> ${details.target.host} (site ${details.target.siteId})${details.shard ? `, shard ${details.shard}` : ''}`)
      this.log(`  rate ${details.config.rate}/s, concurrency ${details.config.concurrency}, mapping ${details.config.mappingPath ?? 'none'}`)
      this.log(`  rows: ${details.rows.succeeded} succeeded, ${details.rows.failed} failed, ${details.rows.invalid} invalid`)
      this.log(`  requests: ${details.requests.sent} sent, ${details.requests.throttled} throttled, ${details.requests.retried} retried`)
      for (const f of details.files) {
        const retry = f.retryFile ? `; retry file ${f.retryFile}` : ''
        this.log(`  file ${f.path} (${f.format}): ${f.done ? 'done' : `resumes at line ${f.resumeLine}`}${retry}`)
      }

      for (const p of details.failuresByRule) this.log(`  ${p.kind} ${p.rule}: ${p.count}`)
      if (details.lastError) this.log(`  last error: ${details.lastError}`)
      return details
    } catch (error) {
      throw asUserError(error)
    } finally {
      ledger?.close()
    }
  }
}
