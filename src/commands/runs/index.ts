import {resolve} from 'node:path'

import {BaseCommand} from '../../cli/base-command.js'
import {shardOption, stateFlag} from '../../cli/import-flags.js'
import {defaultStatePath} from '../../cli/run-session.js'
import {asUserError} from '../../cli/user-errors.js'
import {Ledger} from '../../ledger/ledger.js'
import {describeRuns, type RunListing, runsTable} from '../../reporting/run-listing.js'

export default class Runs extends BaseCommand {
  static override id = 'runs'
  static override summary = 'List import runs in the ledger, newest first: status, target, counts'
  static override examples = ['<%= config.bin %> runs', '<%= config.bin %> runs --state ./migration.sqlite --json']
  static override enableJsonFlag = true
  static override flags = {...stateFlag, shard: shardOption('read the default state file of shard I/N (as import --shard writes it)')}

  async run(): Promise<{runs: RunListing[]}> {
    const {flags} = await this.parse(Runs)
    let ledger: Ledger | null = null
    try {
      const statePath = resolve(flags.state ?? defaultStatePath(this.config.dataDir, flags.shard))
      // Listing never creates a ledger, and reads one it cannot write (a read-only mount).
      ledger = Ledger.openExisting(statePath, {readOnlyOk: true})
      const runs = ledger ? describeRuns(ledger, ledger.listRuns(200)) : []
      if (runs.length === 0) this.log(`No runs in ${statePath}`)
      else for (const line of runsTable(runs)) this.log(line)

      return {runs}
    } catch (error) {
      throw asUserError(error)
    } finally {
      ledger?.close()
    }
  }
}
