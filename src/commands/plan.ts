import {Errors, Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {ExitCode} from '../cli/exit-codes.js'
import {choiceFlag} from '../cli/flag-kinds.js'
import {pacingFlags} from '../cli/import-flags.js'
import {buildPlan, estimateRequests, type Plan, PlanError, renderPlan} from '../validation/index.js'

export default class PlanCommand extends BaseCommand {
  static override id = 'plan'
  static override summary = 'Plan an import without a file: requests, duration and the architecture tier for a volume'
  static override description = `The planning part of validate, from numbers instead of a file. --rows plans a one-off backfill;
--daily-events plans an ongoing daily volume. Requests are estimated from --avg-row-bytes (one entry as
JSON; validate reports the real average) and the 500 KB v2 batch body limit, or one call per row with
--api v1. The tier comes from the volume table (< 100K direct API, 100K-1M batched, 1M-10M
queue-backed, > 10M distributed) with the flags cio-backfill recommends for it.`

  static override examples = [
    '<%= config.bin %> plan --rows 3000000',
    '<%= config.bin %> plan --daily-events 20000000 --avg-row-bytes 600 --rate 50',
    '<%= config.bin %> plan --rows 50000 --api v1 --json',
  ]

  static override enableJsonFlag = true
  static override flags = {
    rows: Flags.integer({description: 'rows to import once', min: 0, exactlyOne: ['rows', 'daily-events']}),
    'daily-events': Flags.integer({description: 'events (or people updates) per day', min: 0, exactlyOne: ['rows', 'daily-events']}),
    'avg-row-bytes': Flags.integer({description: 'average entry size as JSON, in bytes', default: 400, min: 20}),
    api: choiceFlag({description: 'v2 batches or v1 one call per row', choices: ['v2', 'v1'] as const, default: 'v2'}),
    ...pacingFlags,
  }

  async run(): Promise<Plan> {
    const {flags} = await this.parse(PlanCommand)
    const basis = flags.rows === undefined ? 'daily_events' : 'rows'
    const volume = (flags.rows ?? flags['daily-events'])!
    let estimate: ReturnType<typeof estimateRequests>
    try {
      estimate = estimateRequests({rows: volume, avgEntryBytes: flags['avg-row-bytes'], api: flags.api})
    } catch (error) {
      if (error instanceof PlanError) throw new Errors.CLIError(error.message, {exit: ExitCode.Usage})
      throw error
    }
    const plan = buildPlan({
      basis,
      volume,
      rows: volume,
      api: flags.api,
      requests: estimate.requests,
      requestsEstimated: true,
      avgEntryBytes: flags['avg-row-bytes'],
      rate: flags.rate,
      concurrency: flags.concurrency,
    })
    if (!this.jsonEnabled()) for (const line of renderPlan(plan, this.config.bin)) this.log(line)
    return plan
  }
}
