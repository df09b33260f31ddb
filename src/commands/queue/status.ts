import {BaseCommand} from '../../cli/base-command.js'
import {ExitCode} from '../../cli/exit-codes.js'
import {queueFlags} from '../../cli/queue-flags.js'
import {queueStatus, type QueueStatus} from '../../queue/queue-admin.js'
import {connectRedis, showRedisUrl, waitForRedis} from '../../queue/redis-connection.js'

export default class QueueStatusCommand extends BaseCommand {
  static override id = 'queue status'
  static override summary = 'Counts of the operation queue by state, and failure reasons grouped'
  static override description = `Exit codes: 0 shown; 2 usage or Redis unreachable.`
  static override examples = ['<%= config.bin %> queue status --redis redis://127.0.0.1:6379', '<%= config.bin %> queue status --redis redis://127.0.0.1:6379 --json']
  static override enableJsonFlag = true
  static override flags = {...queueFlags}

  async run(): Promise<QueueStatus> {
    const {flags} = await this.parse(QueueStatusCommand)
    const connection = connectRedis(flags.redis)
    try {
      await waitForRedis(connection, flags.redis).catch((error: Error) => this.error(error.message, {exit: ExitCode.Usage}))
      const status = await queueStatus(connection, flags.queue)
      if (!this.jsonEnabled()) {
        const c = status.counts
        this.log(`Queue ${status.queue} at ${showRedisUrl(flags.redis)}`)
        this.log(`  waiting ${c.waiting}, delayed ${c.delayed}, prioritized ${c.prioritized} (depth ${status.depth}); active ${c.active}; completed ${c.completed} (recent); failed ${c.failed}`)
        if (status.failureReasons.length > 0) {
          this.log('Failures by reason:')
          for (const {reason, count} of status.failureReasons) this.log(`  ${String(count).padStart(7)}  ${reason}`)
        }
      }

      return status
    } finally {
      connection.disconnect()
    }
  }
}
