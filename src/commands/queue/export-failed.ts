import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {ExitCode} from '../../cli/exit-codes.js'
import {queueFlags} from '../../cli/queue-flags.js'
import {asUserError} from '../../cli/user-errors.js'
import {exportFailed} from '../../queue/queue-admin.js'
import {connectRedis, waitForRedis} from '../../queue/redis-connection.js'

export default class QueueExportFailed extends BaseCommand {
  static override id = 'queue export-failed'
  static override summary = 'Write failed operations as an NDJSON retry file that import accepts'
  static override description = `One row per failed job of --type, in import's NDJSON shape, with _line (the input line, for jobs
from enqueue) and _error (Customer.io's reason). Fix the rows, then:
  cio-backfill import FILE --type <type> ...   (or enqueue FILE --type <type> ...)
The jobs stay failed in the queue; retry-failed or BullMQ's own tools remove or retry them.

Exit codes: 0 written; 2 usage, Redis unreachable or the file cannot be written.`

  static override examples = ['<%= config.bin %> queue export-failed failed-people.ndjson --type people --redis redis://127.0.0.1:6379']
  static override enableJsonFlag = true
  static override args = {file: Args.string({required: true, description: 'the NDJSON file to write'})}
  static override flags = {
    ...queueFlags,
    type: Flags.option({description: 'which operations: people (identify) or events', options: ['people', 'events'] as const, required: true})(),
  }

  async run(): Promise<{queue: string; file: string; rows: number}> {
    const {args, flags} = await this.parse(QueueExportFailed)
    const connection = connectRedis(flags.redis)
    try {
      await waitForRedis(connection, flags.redis).catch((error: Error) => this.error(error.message, {exit: ExitCode.Usage}))
      const rows = await exportFailed(connection, flags.queue, args.file, flags.type).catch((error) => {
        throw asUserError(error)
      })
      this.log(`Wrote ${rows} failed ${flags.type} operations to ${args.file}.`)
      return {queue: flags.queue, file: args.file, rows}
    } finally {
      connection.disconnect()
    }
  }
}
