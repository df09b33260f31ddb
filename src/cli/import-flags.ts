import {Args, Errors, Flags} from '@oclif/core'

import {parseShard, type ShardSpec} from '../importer/shard.js'

import {choiceFlag, durationFlag} from './flag-kinds.js'

/** What the input is: shared by import and validate, which must read files the same way. */
export const inputArgs = {
  file: Args.string({required: true, description: 'input files (.csv, .ndjson, .jsonl, optionally .gz); - reads stdin'}),
}

export const inputFlags = {
  type: choiceFlag({description: 'what the rows are [default: the "type" of the --mapping file]', choices: ['people', 'events'] as const}),
  format: choiceFlag({description: 'input format (default: from the file extension)', choices: ['csv', 'ndjson'] as const}),
  mapping: Flags.string({description: 'JSON mapping file: rename, type, ignore columns; choose the identifier'}),
  api: choiceFlag({description: 'Track API flavour: v2 batches or v1 one call per row', choices: ['v2', 'v1'] as const, default: 'v2'}),
}

/** Pacing flags: the only settings a resume may change. */
export const pacingFlags = {
  rate: Flags.integer({description: 'requests per second at most, in any sliding second', default: 80, min: 1, max: 1000, helpGroup: 'PACING', env: 'CIO_BACKFILL_RATE'}),
  concurrency: Flags.integer({description: 'requests in flight at most', default: 10, min: 1, max: 100, helpGroup: 'PACING', env: 'CIO_BACKFILL_CONCURRENCY'}),
}

export const timeoutFlag = {
  timeout: durationFlag({description: 'how long to wait for one response before retrying it', defaultMs: 30_000, minMs: 1000, maxMs: 600_000, helpGroup: 'PACING', env: 'CIO_BACKFILL_TIMEOUT'}),
}

export const stateFlag = {
  state: Flags.string({description: 'the SQLite ledger file [default: <data dir>/ledger.sqlite]', env: 'CIO_BACKFILL_STATE'}),
}

/** Knobs for tests and benchmarks: they change timing, never what lands. */
export const tuningFlags = {
  'retry-base-ms': Flags.integer({description: 'first retry backoff ceiling in ms', default: 500, min: 1, hidden: true}),
  'drain-timeout': durationFlag({description: 'how long requests in flight may take to finish after Ctrl-C', defaultMs: 30_000, hidden: true}),
  'max-body-bytes': Flags.integer({description: 'v2 batch body bytes at most', default: 499_999, min: 1000, max: 511_999, hidden: true}),
  // Bench-only (bench/import-speed.js --ledger-cost): what the ledger costs is the difference. Such a run
  // records no acknowledgements or failed rows, so it can be neither resumed nor retried from its retry file.
  'bench-no-ledger': Flags.boolean({description: 'benchmarks only: skip the per-batch ledger commits', default: false, hidden: true}),
}

/** A debug log of every HTTP attempt on stderr, credentials never included. */
export const verboseFlag = {
  verbose: Flags.boolean({description: 'log each request and response on stderr (status, timing, sizes, Customer.io\'s error text); never credentials', default: false, env: 'CIO_BACKFILL_VERBOSE'}),
}

/** Every command that shows progress or chatter on stderr can be silenced the same way. */
export const quietFlag = {
  quiet: Flags.boolean({char: 'q', description: 'no progress or banner on stderr (the summary and errors still print)', default: false, env: 'CIO_BACKFILL_QUIET'}),
}

/** A rate budget shared by processes (import, resume): see README "Scaling out". */
export const budgetFlags = {
  budget: Flags.string({
    description:
      'share --rate with every process that names the same Redis and workspace: redis://[user:pass@]host:port[/db] or rediss:// (never stored; give it again on resume)',
    env: 'CIO_BUDGET_URL',
    helpGroup: 'PACING',
  }),
  'budget-key': Flags.string({
    description: 'name of the shared budget [default: derived from the Track host and site id]',
    dependsOn: ['budget'],
    helpGroup: 'PACING',
  }),
  'budget-outage-limit': Flags.integer({
    description: 'seconds sending may stay paused on an unreachable budget before the run stops (exit 5, resumable)',
    default: 60,
    min: 1,
    helpGroup: 'PACING',
  }),
}

/** `--shard I/N`: this process sends only shard I of N (0-based) of the rows, by person. */
export const shardFlag = {
  shard: shardOption('send only shard I of N (0-based) of the rows, split by person; each shard is its own run [default state: ledger.shard-I-of-N.sqlite]'),
}

export function shardOption(description: string) {
  return Flags.custom<ShardSpec>({
    description,
    helpValue: 'I/N',
    async parse(input) {
      try {
        return parseShard(input)
      } catch (error) {
        // A usage error like any other bad flag (exit 2), not a crash.
        throw new Errors.CLIError((error as Error).message, {exit: 2})
      }
    },
  })()
}
