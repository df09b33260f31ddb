import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {ExitCode, exitCodeForStatus} from '../cli/exit-codes.js'
import {openBudget} from '../cli/budget.js'
import {budgetFlags, pacingFlags, timeoutFlag} from '../cli/import-flags.js'
import {queueFlags} from '../cli/queue-flags.js'
import {resolveTarget, targetFlags} from '../cli/target-flags.js'
import {queueDepth} from '../queue/queue-admin.js'
import {QueueWorker, type WorkerSummary} from '../queue/queue-worker.js'
import {connectRedis, showRedisUrl, waitForRedis} from '../queue/redis-connection.js'
import {DeliveryMetrics} from '../reporting/delivery-metrics.js'
import {startMetricsServer} from '../reporting/metrics-server.js'
import {redact} from '../target/track-target.js'

export default class WorkerCommand extends BaseCommand {
  static override id = 'worker'
  static override summary = 'Deliver queued operations (from enqueue or the producer API) to Customer.io in v2 batches'
  static override description = `Takes jobs from the BullMQ queue in groups and sends each group as one v2 batch (up to the 500 KB
body, or after a short linger when the queue is nearly empty), paced under --rate. Acknowledged
operations complete their job; operations Customer.io rejects (207 entry, 400 after splitting) fail
at once with its reason; transient errors (5xx, timeouts, resets, 429) are retried through the pacer.
A worker killed with -9 leaves its jobs to stalled-job recovery; events keep their enqueue-time ids,
so a redelivery never makes a second event. SIGTERM or Ctrl-C: stop taking jobs, finish the batches
in flight, put back the rest, exit 0 (a second signal exits at once).

Exit codes: 0 stopped by a signal after draining; 2 usage, or Redis unreachable at start; 3
credentials rejected (what the worker held is back in the queue); 5 transient errors outlasted the
retry budget (held jobs are back in the queue).`

  static override examples = [
    '<%= config.bin %> worker --redis redis://127.0.0.1:6379 --emulator',
    'CIO_SITE_ID=... CIO_API_KEY=... <%= config.bin %> worker --redis redis://redis:6379 --rate 80 --metrics-port 9464',
  ]

  static override enableJsonFlag = true
  static override flags = {
    ...queueFlags,
    ...targetFlags,
    ...pacingFlags,
    ...budgetFlags,
    ...timeoutFlag,
    'max-retries': Flags.integer({description: 'retries of 5xx, timeouts and resets per request before stopping (exit 5)', default: 8, min: 0}),
    'metrics-port': Flags.integer({description: 'serve /metrics (Prometheus) and /healthz on this port (0 picks a free one)', min: 0, max: 65_535}),
    'max-stalled-count': Flags.integer({description: 'times a job may be recovered from a dead worker before it fails', default: 10, min: 1}),
    'linger-ms': Flags.integer({description: 'how long a batch waits for more jobs once the queue is empty', default: 50, min: 0, max: 10_000, hidden: true}),
    'lock-duration-ms': Flags.integer({description: 'BullMQ job lock; a dead worker\'s jobs are recovered after it', default: 30_000, min: 500, hidden: true}),
    'stalled-interval-ms': Flags.integer({description: 'how often stalled jobs are looked for', default: 30_000, min: 500, hidden: true}),
    'drain-timeout': Flags.integer({description: 'seconds batches in flight may take to finish after SIGTERM', default: 30, min: 0, hidden: true}),
    'retry-base-ms': Flags.integer({description: 'first retry backoff ceiling in ms', default: 500, min: 1, hidden: true}),
    'max-body-bytes': Flags.integer({description: 'v2 batch body bytes at most', default: 499_999, min: 1000, max: 511_999, hidden: true}),
  }

  async run(): Promise<WorkerSummary & {exitCode: number}> {
    const {flags} = await this.parse(WorkerCommand)
    const {target, emulator} = await resolveTarget(flags)
    const say = (line: string) => process.stderr.write(`${redact(line, target)}\n`)
    const connection = connectRedis(flags.redis)
    let budget: Awaited<ReturnType<typeof openBudget>>
    try {
      await waitForRedis(connection, flags.redis).catch((error: Error) => this.error(error.message, {exit: ExitCode.Usage}))
      budget = await openBudget(flags, target, flags.rate)
      const worker = new QueueWorker({
        budget: budget?.budget,
        connection,
        queue: flags.queue,
        target,
        rate: flags.rate,
        concurrency: flags.concurrency,
        maxRetries: flags['max-retries'],
        retryBaseMs: flags['retry-base-ms'],
        requestTimeoutMs: flags.timeout * 1000,
        lingerMs: flags['linger-ms'],
        maxBodyBytes: flags['max-body-bytes'],
        lockDurationMs: flags['lock-duration-ms'],
        stalledIntervalMs: flags['stalled-interval-ms'],
        maxStalledCount: flags['max-stalled-count'],
        drainTimeoutMs: flags['drain-timeout'] * 1000,
        log: say,
      })
      const metrics = new DeliveryMetrics(
        {counters: worker.counters, limiter: () => worker.limiterState(), depth: {queue: flags.queue, read: () => queueDepth(connection, flags.queue)}},
        {role: 'worker'},
      )
      worker.attachMetrics(metrics)
      const server = flags['metrics-port'] === undefined ? null : await startMetricsServer(flags['metrics-port'], metrics.registry, () => worker.takingJobs)
      let signals = 0
      const onSignal = (signal: NodeJS.Signals) => {
        if (++signals > 1) {
          say(`${signal} again: exiting now; jobs this worker held return through stalled-job recovery`)
          process.exit(ExitCode.Interrupted)
        }

        say(`${signal}: stopping; batches in flight are finishing, held jobs go back to the queue`)
        worker.interrupt()
      }

      process.on('SIGINT', onSignal)
      process.on('SIGTERM', onSignal)
      say(
        `Worker on ${flags.queue} at ${showRedisUrl(flags.redis)} -> ${target.host} (site ${target.siteId}), ${flags.rate} req/s${budget ? ` shared through ${budget.shownUrl}` : ''}, ${flags.concurrency} in flight` +
          (server ? `; metrics on :${server.port}/metrics` : ''),
      )
      try {
        const summary = await worker.run()
        const exitCode = exitCodeForStatus(summary.status)
        say(
          `Worker stopped (${summary.status}): ${summary.completed} completed, ${summary.failed} failed, ${summary.putBack} put back; ` +
            `${summary.requests.sent} requests, ${summary.requests.throttled} throttled` +
            (summary.error ? `\n${summary.error}` : ''),
        )
        process.exitCode = exitCode
        return {...summary, exitCode}
      } finally {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
        await server?.close()
      }
    } finally {
      await budget?.budget.close()
      connection.disconnect()
      await emulator?.close()
    }
  }
}
