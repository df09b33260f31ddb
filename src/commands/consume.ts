import {Flags} from '@oclif/core'
import {Kafka, logLevel} from 'kafkajs'

import {BaseCommand} from '../cli/base-command.js'
import {ExitCode, exitCodeForStatus} from '../cli/exit-codes.js'
import {openBudget} from '../cli/budget.js'
import {budgetFlags, pacingFlags, timeoutFlag} from '../cli/import-flags.js'
import {resolveTarget, targetFlags} from '../cli/target-flags.js'
import {type DeadLetterSink, fileSink, topicSink} from '../kafka/dead-letter.js'
import {type ConsumerSummary, KafkaDelivery} from '../kafka/kafka-delivery.js'
import {DeliveryMetrics} from '../reporting/delivery-metrics.js'
import {startMetricsServer} from '../reporting/metrics-server.js'
import {redact} from '../target/track-target.js'

export default class Consume extends BaseCommand {
  static override id = 'consume'
  static override summary = 'Deliver identify and track messages from a Kafka topic to Customer.io in v2 batches'
  static override description = `Joins consumer group --group on --topic and delivers its messages, packed into v2 batches and paced
under --rate. Message values are JSON: {"type":"identify","userId":..,"payload":{attributes}} or
{"type":"track","userId"|"anonymousId":..,"payload":{"event"|"name","properties"|"data","timestamp","id"}}.
Anything else, a broken Customer.io rule, or an entry Customer.io rejects goes to the dead letter
with its partition, offset and reason. An offset is committed only once its message was answered or
dead-lettered; an event without an id gets one derived from topic, partition and offset, so a
re-delivery never makes a second event. Order holds within a partition: key messages by person.
SIGTERM or Ctrl-C: stop fetching, finish the batches in flight, commit, exit 0.

Exit codes: 0 stopped by a signal after draining; 2 usage; 3 credentials rejected (nothing
unanswered was committed); 5 transient errors outlasted the retry budget.`

  static override examples = [
    '<%= config.bin %> consume --brokers 127.0.0.1:9092 --topic customerio-events --group cio-backfill --emulator',
    '<%= config.bin %> consume --brokers k1:9092,k2:9092 --topic events --group cio --dead-letter topic:events-dead --rate 80',
  ]

  static override enableJsonFlag = true
  static override flags = {
    brokers: Flags.string({description: 'Kafka bootstrap brokers, host:port,...', required: true, helpGroup: 'KAFKA'}),
    topic: Flags.string({description: 'topic to consume', required: true, helpGroup: 'KAFKA'}),
    group: Flags.string({description: 'consumer group id (run several consumers with the same group to share partitions)', required: true, helpGroup: 'KAFKA'}),
    'dead-letter': Flags.string({
      description: 'where undeliverable messages go: an NDJSON file, or topic:NAME [default: <topic>.dead-letter.ndjson]',
      helpGroup: 'KAFKA',
    }),
    ...targetFlags,
    ...pacingFlags,
    ...budgetFlags,
    ...timeoutFlag,
    'max-retries': Flags.integer({description: 'retries of 5xx, timeouts and resets per request before stopping (exit 5)', default: 8, min: 0}),
    'metrics-port': Flags.integer({description: 'serve /metrics (Prometheus) and /healthz on this port (0 picks a free one)', min: 0, max: 65_535}),
    'session-timeout-ms': Flags.integer({description: 'Kafka group session timeout', default: 30_000, min: 3000, hidden: true}),
    'retry-base-ms': Flags.integer({description: 'first retry backoff ceiling in ms', default: 500, min: 1, hidden: true}),
    'max-body-bytes': Flags.integer({description: 'v2 batch body bytes at most', default: 499_999, min: 1000, max: 511_999, hidden: true}),
  }

  async run(): Promise<ConsumerSummary & {exitCode: number}> {
    const {flags} = await this.parse(Consume)
    const brokers = flags.brokers.split(',').map((b) => b.trim()).filter(Boolean)
    if (brokers.some((b) => !/^[^:\s]+:\d+$/.test(b))) this.error(`--brokers must be host:port,... got "${flags.brokers}"`, {exit: ExitCode.Usage})
    const {target, emulator} = await resolveTarget(flags)
    const say = (line: string) => process.stderr.write(`${redact(line, target)}\n`)
    const budget = await openBudget(flags, target, flags.rate)
    const deadLetterFlag = flags['dead-letter'] ?? `${flags.topic}.dead-letter.ndjson`
    let deadLetters: DeadLetterSink
    if (deadLetterFlag.startsWith('topic:')) {
      const producer = new Kafka({clientId: 'cio-backfill-dead-letters', brokers, logLevel: logLevel.NOTHING}).producer()
      await producer.connect()
      deadLetters = topicSink(producer, deadLetterFlag.slice('topic:'.length))
    } else {
      deadLetters = fileSink(deadLetterFlag)
    }

    const delivery = new KafkaDelivery({
      budget: budget?.budget,
      brokers,
      topic: flags.topic,
      group: flags.group,
      target,
      rate: flags.rate,
      concurrency: flags.concurrency,
      maxRetries: flags['max-retries'],
      retryBaseMs: flags['retry-base-ms'],
      requestTimeoutMs: flags.timeout * 1000,
      maxBodyBytes: flags['max-body-bytes'],
      sessionTimeoutMs: flags['session-timeout-ms'],
      deadLetters,
      log: say,
    })
    const metrics = new DeliveryMetrics({counters: delivery.counters, limiter: () => delivery.limiterState()}, {role: 'consumer'})
    delivery.attachMetrics(metrics)
    const server = flags['metrics-port'] === undefined ? null : await startMetricsServer(flags['metrics-port'], metrics.registry, () => delivery.consuming)
    let signals = 0
    const onSignal = (signal: NodeJS.Signals) => {
      if (++signals > 1) {
        say(`${signal} again: exiting now; unanswered messages will be delivered again (their offsets were not committed)`)
        process.exit(ExitCode.Interrupted)
      }

      say(`${signal}: stopping; batches in flight are finishing, then offsets are committed`)
      delivery.interrupt()
    }

    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    say(
      `Consuming ${flags.topic} as group ${flags.group} from ${brokers.join(',')} -> ${target.host} (site ${target.siteId}), ${flags.rate} req/s${budget ? ` shared through ${budget.shownUrl}` : ''}; ` +
        `dead letters to ${deadLetters.describe()}` +
        (server ? `; metrics on :${server.port}/metrics` : ''),
    )
    try {
      const summary = await delivery.run()
      const exitCode = exitCodeForStatus(summary.status)
      say(
        `Consumer stopped (${summary.status}): ${summary.delivered} delivered, ${summary.deadLettered} dead-lettered; ` +
          `${summary.requests.sent} requests, ${summary.requests.throttled} throttled` +
          (summary.error ? `\n${summary.error}` : ''),
      )
      process.exitCode = exitCode
      return {...summary, exitCode}
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      await server?.close()
      await budget?.budget.close()
      await emulator?.close()
    }
  }
}
