import {Flags} from '@oclif/core'
import {basename} from 'node:path'

import {BaseCommand} from '../cli/base-command.js'
import {ExitCode} from '../cli/exit-codes.js'
import {inputArgs} from '../cli/import-flags.js'
import {queueFlags} from '../cli/queue-flags.js'
import {asUserError} from '../cli/user-errors.js'
import {loadMappingFile} from '../mapping/index.js'
import {enqueueFiles, type EnqueueSummary} from '../queue/enqueue-files.js'
import {connectRedis, showRedisUrl, waitForRedis} from '../queue/redis-connection.js'

export default class Enqueue extends BaseCommand {
  static override id = 'enqueue'
  static override summary = 'Enqueue people or events from files as jobs for `cio-backfill worker`'
  static override description = `Reads each file with import's reader, mapping and rules, and adds every valid row to the BullMQ
queue as one job (addBulk, in chunks). Invalid rows go to a retry file in the input's format with
_line and _error, as import writes them. Job ids come from the file's fingerprint and line: running
the same command again after a crash adds no row twice while its job is still in the queue.

Exit codes: 0 every row enqueued; 1 some rows invalid (see the retry file); 2 usage, unreadable
input or Redis unreachable.`

  static override examples = [
    '<%= config.bin %> enqueue fixtures/people.csv --type people --redis redis://127.0.0.1:6379',
    '<%= config.bin %> enqueue events.ndjson.gz --type events --redis redis://:secret@redis:6379 --queue cio-backfill-eu',
  ]

  static override strict = false
  static override enableJsonFlag = true
  static override args = inputArgs
  static override flags = {
    type: Flags.option({description: 'what the rows are', options: ['people', 'events'] as const, required: true})(),
    format: Flags.option({description: 'input format (default: from the file extension)', options: ['csv', 'ndjson'] as const})(),
    mapping: Flags.string({description: 'JSON mapping file: rename, type, ignore columns; choose the identifier'}),
    ...queueFlags,
    'retry-file': Flags.string({description: 'where invalid rows go, with one input [default: <input>.enqueue.retry.<ext> in the current directory]'}),
    'chunk-size': Flags.integer({description: 'jobs per addBulk call', default: 1000, min: 1, max: 10_000, hidden: true}),
  }

  async run(): Promise<EnqueueSummary & {exitCode: number}> {
    const {argv, flags} = await this.parse(Enqueue)
    const inputs = argv as string[]
    if (flags['retry-file'] && inputs.length > 1) this.error('--retry-file takes one input; with several, each gets its own retry file', {exit: ExitCode.Usage})
    const connection = connectRedis(flags.redis)
    const interrupt = new AbortController()
    const onSignal = () => interrupt.abort()
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    try {
      await waitForRedis(connection, flags.redis)
      const mapping = flags.mapping ? await loadMappingFile(flags.mapping) : undefined
      const summary = await enqueueFiles({
        inputs,
        type: flags.type,
        format: flags.format,
        mapping,
        connection,
        queue: flags.queue,
        chunkSize: flags['chunk-size'],
        signal: interrupt.signal,
        retryFileFor: (input, format) =>
          flags['retry-file'] ?? `${basename(input).replace(/\.gz$/i, '').replace(/\.(csv|ndjson|jsonl|json)$/i, '')}.enqueue.retry.${format === 'csv' ? 'csv' : 'ndjson'}`,
      })
      const exitCode = interrupt.signal.aborted ? ExitCode.Interrupted : summary.invalid > 0 ? ExitCode.RowsFailed : ExitCode.Ok
      if (!this.jsonEnabled()) {
        this.log(`Enqueued ${summary.enqueued} of ${summary.read} rows on ${flags.queue} at ${showRedisUrl(flags.redis)} in ${(summary.durationMs / 1000).toFixed(1)} s.`)
        for (const f of summary.files) if (f.retryFile) this.log(`${f.path}: ${f.invalid} invalid rows in ${f.retryFile}`)
      }

      process.exitCode = exitCode
      return {...summary, exitCode}
    } catch (error) {
      const e = error as Error
      if (/cannot reach Redis/.test(e.message)) this.error(e.message, {exit: ExitCode.Usage})
      if (e.name === 'ColumnsError') this.error(e.message, {exit: ExitCode.Usage})
      throw asUserError(error)
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      connection.disconnect()
    }
  }
}
