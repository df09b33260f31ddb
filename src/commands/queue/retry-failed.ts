import {BaseCommand} from '../../cli/base-command.js'
import {ExitCode} from '../../cli/exit-codes.js'
import {queueFlags} from '../../cli/queue-flags.js'
import {retryFailed} from '../../queue/queue-admin.js'
import {connectRedis, waitForRedis} from '../../queue/redis-connection.js'

export default class QueueRetryFailed extends BaseCommand {
  static override id = 'queue retry-failed'
  static override summary = 'Move every failed operation back to waiting, after fixing what made Customer.io reject it'
  static override description = `Exit codes: 0 done; 2 usage or Redis unreachable.`
  static override examples = ['<%= config.bin %> queue retry-failed --redis redis://127.0.0.1:6379']
  static override enableJsonFlag = true
  static override flags = {...queueFlags}

  async run(): Promise<{queue: string; retried: number}> {
    const {flags} = await this.parse(QueueRetryFailed)
    const connection = connectRedis(flags.redis)
    try {
      await waitForRedis(connection, flags.redis).catch((error: Error) => this.error(error.message, {exit: ExitCode.Usage}))
      const retried = await retryFailed(connection, flags.queue)
      this.log(`Moved ${retried} failed jobs of ${flags.queue} back to waiting.`)
      return {queue: flags.queue, retried}
    } finally {
      connection.disconnect()
    }
  }
}
