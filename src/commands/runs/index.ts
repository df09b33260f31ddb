import {BaseCommand} from '../../cli/base-command.js'
import {stateFlag} from '../../cli/import-flags.js'
import {defaultStatePath} from '../../cli/run-session.js'
import {asUserError} from '../../cli/user-errors.js'
import {Ledger} from '../../ledger/ledger.js'
import {describeRuns, type RunListing, runsTable} from '../../reporting/run-listing.js'

export default class Runs extends BaseCommand {
  static override id = 'runs'
  static override summary = 'List import runs in the ledger, newest first: status, target, counts'
  static override examples = ['<%= config.bin %> runs', '<%= config.bin %> runs --state ./migration.sqlite --json']
  static override enableJsonFlag = true
  static override flags = {...stateFlag}

  async run(): Promise<{runs: RunListing[]}> {
    const {flags} = await this.parse(Runs)
    let ledger: Ledger | undefined
    try {
      ledger = Ledger.open(flags.state ?? defaultStatePath(this.config.dataDir))
      const runs = describeRuns(ledger, ledger.listRuns(200))
      if (runs.length === 0) this.log(`No runs in ${ledger.path}`)
      else for (const line of runsTable(runs)) this.log(line)

      return {runs}
    } catch (error) {
      throw asUserError(error)
    } finally {
      ledger?.close()
    }
  }
}
