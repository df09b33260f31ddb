import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {durationFlag, parseChoice} from '../../cli/flag-kinds.js'
import {stateFlag} from '../../cli/import-flags.js'
import {defaultStatePath} from '../../cli/run-session.js'
import {asUserError} from '../../cli/user-errors.js'
import {Ledger} from '../../ledger/ledger.js'
import type {RunStatus} from '../../ledger/records.js'
import {describeRuns, type RunListing, runsTable} from '../../reporting/run-listing.js'
import {formatDuration} from '../../loadtest/duration.js'

/** Statuses a prune may select. `running` is not one: a run in progress is never deleted. */
const PRUNABLE = ['completed', 'completed_with_failures', 'interrupted', 'auth_rejected', 'retries_exhausted', 'failed'] as const

export interface PruneResult {
  dryRun: boolean
  statePath: string
  /** The runs the filters select (all of them deleted unless dryRun, minus any a live process holds). */
  runs: RunListing[]
  deleted: string[]
}

export default class RunsPrune extends BaseCommand {
  static override id = 'runs prune'
  static override summary = 'Delete old runs from the ledger (shows what it would delete unless --yes)'
  static override description =
    'Selects runs by last activity (--older-than) and status (--status, repeatable; default completed) and deletes each ' +
    'with its files, acknowledgements and failed rows. Without --yes nothing is deleted: the runs that would be are listed. ' +
    'A run that a live process holds is never deleted. Retry files on disk are left alone. A run that did not complete ' +
    'can no longer be resumed once deleted.'

  static override examples = [
    '<%= config.bin %> runs prune --older-than 30d',
    '<%= config.bin %> runs prune --older-than 30d --status completed --status completed_with_failures --yes',
  ]

  static override enableJsonFlag = true
  static override flags = {
    'older-than': durationFlag({description: 'only runs whose last activity is older than this (e.g. 30d, 12h)'}),
    status: Flags.string({
      description: 'only runs in this status (any case); repeat for several',
      helpValue: PRUNABLE.join('|'),
      multiple: true,
      default: ['completed'],
      parse: async (input) => parseChoice(PRUNABLE, input),
    }),
    yes: Flags.boolean({char: 'y', description: 'delete; without it the runs are only listed', default: false}),
    ...stateFlag,
  }

  async run(): Promise<PruneResult> {
    const {flags} = await this.parse(RunsPrune)
    const statuses = new Set(flags.status as RunStatus[])
    const cutoff = flags['older-than'] === undefined ? Number.POSITIVE_INFINITY : Date.now() - flags['older-than']
    let ledger: Ledger | undefined
    try {
      ledger = Ledger.open(flags.state ?? defaultStatePath(this.config.dataDir))
      const selected = ledger.listRuns(-1).filter((run) => statuses.has(run.status) && run.updatedAt < cutoff)
      const runs = describeRuns(ledger, selected)
      const deleted = flags.yes ? ledger.deleteRuns(selected.map((run) => run.id)) : []
      const filter = `${[...statuses].join(' or ')}${flags['older-than'] === undefined ? '' : `, inactive for over ${formatDuration(flags['older-than'])}`}`
      if (runs.length === 0) {
        this.log(`No ${filter} runs in ${ledger.path}`)
      } else if (flags.yes) {
        this.log(`Deleted ${deleted.length} ${filter} run${deleted.length === 1 ? '' : 's'} from ${ledger.path}`)
        const kept = runs.filter((r) => !deleted.includes(r.runId))
        for (const r of kept) this.warn(`run ${r.runId} is held by a live process; left in place`)
      } else {
        this.log(`Would delete ${runs.length} ${filter} run${runs.length === 1 ? '' : 's'} from ${ledger.path}:`)
        for (const line of runsTable(runs)) this.log(`  ${line}`)
        this.log(`Nothing was deleted. Add --yes to delete ${runs.length === 1 ? 'it' : 'them'}.`)
      }

      return {dryRun: !flags.yes, statePath: ledger.path, runs, deleted}
    } catch (error) {
      throw asUserError(error)
    } finally {
      ledger?.close()
    }
  }
}
