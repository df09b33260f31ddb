import {Args, Errors, Flags} from '@oclif/core'

import {parseShard, type ShardSpec} from '../importer/shard.js'

/** What the input is: shared by import and validate, which must read files the same way. */
export const inputArgs = {
  file: Args.string({required: true, description: 'input files (.csv, .ndjson, .jsonl, optionally .gz); - reads stdin'}),
}

export const inputFlags = {
  type: Flags.option({description: 'what the rows are', options: ['people', 'events'] as const, required: true})(),
  format: Flags.option({description: 'input format (default: from the file extension)', options: ['csv', 'ndjson'] as const})(),
  mapping: Flags.string({description: 'JSON mapping file: rename, type, ignore columns; choose the identifier'}),
  api: Flags.option({description: 'Track API flavour: v2 batches or v1 one call per row', options: ['v2', 'v1'] as const, default: 'v2' as const})(),
}

/** Pacing flags: the only settings a resume may change. */
export const pacingFlags = {
  rate: Flags.integer({description: 'requests per second at most, in any sliding second', default: 80, min: 1, max: 1000, helpGroup: 'PACING'}),
  concurrency: Flags.integer({description: 'requests in flight at most', default: 10, min: 1, max: 100, helpGroup: 'PACING'}),
}

export const timeoutFlag = {
  timeout: Flags.integer({description: 'seconds to wait for one response before retrying it', default: 30, min: 1, max: 600, helpGroup: 'PACING'}),
}

export const stateFlag = {
  state: Flags.string({description: 'the SQLite ledger file [default: <data dir>/ledger.sqlite]', env: 'CIO_BACKFILL_STATE'}),
}

/** Knobs for tests and benchmarks: they change timing, never what lands. */
export const tuningFlags = {
  'retry-base-ms': Flags.integer({description: 'first retry backoff ceiling in ms', default: 500, min: 1, hidden: true}),
  'drain-timeout': Flags.integer({description: 'seconds requests in flight may take to finish after Ctrl-C', default: 30, min: 0, hidden: true}),
  'max-body-bytes': Flags.integer({description: 'v2 batch body bytes at most', default: 499_999, min: 1000, max: 511_999, hidden: true}),
  // Bench-only (bench/import-speed.js --ledger-cost): what the ledger costs is the difference. Such a run
  // records no acknowledgements or failed rows, so it can be neither resumed nor retried from its retry file.
  'bench-no-ledger': Flags.boolean({description: 'benchmarks only: skip the per-batch ledger commits', default: false, hidden: true}),
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
