import {BaseCommand} from '../../cli/base-command.js'
import {shardOption, stateFlag} from '../../cli/import-flags.js'
import {defaultStatePath} from '../../cli/run-session.js'
import {asUserError} from '../../cli/user-errors.js'
import {Ledger} from '../../ledger/ledger.js'
import {describeRuns, type RunListing} from '../../reporting/run-listing.js'

export default class Runs extends BaseCommand {
  static override id = 'runs'
  static override summary = 'List import runs in the ledger, newest first, with status and counts'
  static override examples = ['<%= config.bin %> runs', '<%= config.bin %> runs --state ./migration.sqlite --json']
  static override enableJsonFlag = true
  static override flags = {...stateFlag, shard: shardOption('read the default state file of shard I/N (as import --shard writes it)')}

  async run(): Promise<{runs: RunListing[]}> {
    const {flags} = await this.parse(Runs)
    let ledger: Ledger | undefined
    try {
      ledger = Ledger.open(flags.state ?? defaultStatePath(this.config.dataDir, flags.shard))
      const runs = describeRuns(ledger, ledger.listRuns(200))
      if (runs.length === 0) this.log(`No runs in ${ledger.path}`)
      for (const r of runs) {
        this.log(
          `${r.runId}  ${r.createdAt}  ${r.status.padEnd(23)} ${r.type.padEnd(6)} ${r.api}  ${r.shard ? `shard ${r.shard}  ` : ''}` +
            `${r.rows.succeeded} ok, ${r.rows.failed} failed, ${r.rows.invalid} invalid  ${r.files.join(', ')}`,
        )
      }

      return {runs}
    } catch (error) {
      throw asUserError(error)
    } finally {
      ledger?.close()
    }
  }
}
