import {Args, Errors, Flags} from '@oclif/core'
import {resolve} from 'node:path'

import {BaseCommand} from '../cli/base-command.js'
import {ExitCode} from '../cli/exit-codes.js'
import {choiceFlag} from '../cli/flag-kinds.js'
import {pacingFlags} from '../cli/import-flags.js'
import {type EmittedOverlay, emitBackfill} from '../deploy/emit-backfill.js'
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
    '<%= config.bin %> plan --rows 400000000 --rate 800 --emit k8s ./backfill --type events --input /input/events.ndjson --image registry.example.com/cio-backfill:0.1.0',
  ]

  static override args = {
    DIR: Args.string({description: 'with --emit k8s: the directory to write the kustomization to'}),
  }

  static override enableJsonFlag = true
  static override flags = {
    rows: Flags.integer({description: 'rows to import once', min: 0, exactlyOne: ['rows', 'daily-events']}),
    'daily-events': Flags.integer({description: 'events (or people updates) per day', min: 0, exactlyOne: ['rows', 'daily-events']}),
    'avg-row-bytes': Flags.integer({description: 'average entry size as JSON, in bytes', default: 400, min: 20}),
    api: choiceFlag({description: 'v2 batches or v1 one call per row', choices: ['v2', 'v1'] as const, default: 'v2'}),
    ...pacingFlags,
    emit: choiceFlag({description: 'also write what runs the plan: k8s = an Indexed Job of --shard pods on one --budget (see README "Deploying")', choices: ['k8s'] as const, helpGroup: 'EMIT'}),
    type: choiceFlag({description: 'with --emit: what the rows are', choices: ['people', 'events'] as const, default: 'events', helpGroup: 'EMIT'}),
    input: Flags.string({description: 'with --emit: an input path as the pods see it (repeatable)', multiple: true, default: ['/input/export.ndjson'], helpGroup: 'EMIT'}),
    mapping: Flags.string({description: 'with --emit: the mapping file as the pods see it', helpGroup: 'EMIT'}),
    image: Flags.string({description: 'with --emit: the container image', default: 'cio-backfill:0.1.0', helpGroup: 'EMIT'}),
    name: Flags.string({description: 'with --emit: the Job is cio-backfill-NAME', default: 'backfill', helpGroup: 'EMIT'}),
    region: choiceFlag({description: 'with --emit: Customer.io region of the workspace', choices: ['us', 'eu'] as const, default: 'us', helpGroup: 'EMIT'}),
    shards: Flags.integer({description: 'with --emit: shard count [default: the plan\'s recommendation]', min: 1, max: 256, helpGroup: 'EMIT'}),
    'input-claim': Flags.string({description: 'with --emit: the ReadOnlyMany claim that holds the inputs', default: 'cio-backfill-input', helpGroup: 'EMIT'}),
    'ledger-storage': Flags.string({description: 'with --emit: size of the ledger volume', default: '10Gi', helpGroup: 'EMIT'}),
  }

  async run(): Promise<Plan & {emitted?: EmittedOverlay}> {
    const {args, flags} = await this.parse(PlanCommand)
    if (flags.emit && !args.DIR) throw new Errors.CLIError('--emit k8s writes a directory: give it, e.g. plan --rows N --emit k8s ./backfill', {exit: ExitCode.Usage})
    if (flags.emit && flags.rows === undefined) {
      throw new Errors.CLIError('--emit k8s plans a one-off backfill (an Indexed Job that ends): use --rows; daily traffic goes through the worker pool in deploy/k8s', {exit: ExitCode.Usage})
    }

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
    const lines = renderPlan(plan, this.config.bin)
    if (!this.jsonEnabled()) for (const line of lines) this.log(line)
    if (!flags.emit || !args.DIR) return plan

    const shards = flags.shards ?? plan.shards.recommended
    const spec = {
      name: flags.name,
      image: flags.image,
      type: flags.type,
      inputs: flags.input,
      mapping: flags.mapping,
      api: flags.api,
      shards,
      rate: flags.rate,
      concurrency: flags.concurrency,
      region: flags.region,
      ledgerStorage: flags['ledger-storage'],
      inputClaim: flags['input-claim'],
    }
    const header = [
      `Written by: ${this.config.bin} plan ${process.argv.slice(3).join(' ')}`,
      `${shards} shards on one budget of ${flags.rate} requests/s; apply with: kubectl apply -k ${args.DIR}`,
      ...lines,
    ]
    const emitted = await emitBackfill(resolve(args.DIR), spec, header)
    if (!this.jsonEnabled()) this.log(`Wrote ${emitted.files.join(', ')}: ${shards} shards; check with npm run deploy:check ${args.DIR}, apply with kubectl apply -k ${args.DIR}`)
    return {...plan, emitted}
  }
}
