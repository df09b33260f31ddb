import {type Consumer, type EachBatchPayload, Kafka, type KafkaMessage, logLevel} from 'kafkajs'

import {type RefBatch, RefPacker} from '../batching/ref-packer.js'
import {Dispatcher} from '../sending/dispatcher.js'
import {STOP_STATUS, type StopReason, stopReasonFor} from '../importer/stop-reason.js'
import type {RunStatus} from '../ledger/records.js'
import {CallChecker} from '../queue/operation-call.js'
import type {DeliveryMetrics} from '../reporting/delivery-metrics.js'
import type {DeliveryCounters, EntryFailures} from '../sending/deliver.js'
import {DeliveryStoppedError} from '../sending/delivery-errors.js'
import {createDeliveryContext, type SenderSettings} from '../sending/delivery-context.js'
import {Pacer} from '../sending/pacer.js'
import type {DeadLetter, DeadLetterSink} from './dead-letter.js'
import {callOfMessage, isUnusable} from './message-call.js'

export interface KafkaDeliveryOptions extends SenderSettings {
  brokers: string[]
  topic: string
  group: string
  maxBodyBytes?: number
  sessionTimeoutMs: number
  deadLetters: DeadLetterSink
  log: (line: string) => void
}

export interface ConsumerSummary {
  status: RunStatus
  delivered: number
  deadLettered: number
  requests: DeliveryCounters
  error: string | null
}

/** Crashes survived by rejoining the group, per minute, before the consumer gives up. */
const MAX_REJOINS = 5
const REJOIN_WINDOW_MS = 60_000
const REJOIN_DELAY_MS = 1000

/** A message in a batch: its offset, and the raw message in case Customer.io rejects it. */
interface MessageRef {
  offset: string
  message: KafkaMessage
}

/** A step of one partition's batch, in offset order: resolved once `settled` says the step is answered. */
interface Step {
  lastOffset: string
  done: boolean
  settled: Promise<boolean>
}

/**
 * Consumes a topic in a consumer group and delivers its messages through the one send path
 * (dispatcher -> pacer -> deliver) as v2 batches. An offset is resolved only once Customer.io has
 * answered for its message, or it was dead-lettered, and only after every earlier offset of its
 * partition: a crash re-delivers only what was not answered. kafkajs commits what is resolved.
 */
export class KafkaDelivery {
  readonly counters: DeliveryCounters = {sent: 0, throttled: 0, retried: 0}
  private readonly stopping = new AbortController()
  private readonly stopped: Promise<false>
  private readonly finished: Promise<void>
  private finish!: () => void
  private stopReason: StopReason | null = null
  private readonly pacer: Pacer
  private readonly dispatcher: Dispatcher<RefBatch<MessageRef> & {topic: string; partition: number}>
  private readonly settle = new Map<object, (ok: boolean) => void>()
  private readonly checkers = new Map<string, CallChecker>()
  private consumer: Consumer | null = null
  private delivered = 0
  private deadLettered = 0
  private metrics: DeliveryMetrics | null = null
  /** When the consumer last rejoined after a crash (performance.now), within the last minute. */
  private rejoins: number[] = []

  constructor(private readonly options: KafkaDeliveryOptions) {
    this.stopped = new Promise((resolve) => this.stopping.signal.addEventListener('abort', () => resolve(false)))
    this.finished = new Promise((resolve) => (this.finish = resolve))
    const context = createDeliveryContext({...options, api: 'v2', counters: this.counters, stopping: this.stopping.signal})
    this.pacer = context.pacer
    this.dispatcher = new Dispatcher({
      window: options.concurrency + 1,
      context,
      onDelivered: (batch, failures) => this.acknowledge(batch, failures),
      onStop: (error) => this.stop(error instanceof DeliveryStoppedError ? null : stopReasonFor(error)),
    })
  }

  attachMetrics(metrics: DeliveryMetrics): void {
    this.metrics = metrics
  }

  limiterState(): {running: number; queued: number; done: number} {
    const running = this.pacer.running
    return {running, queued: Math.max(0, this.dispatcher.outstanding - running), done: this.counters.sent}
  }

  get consuming(): boolean {
    return !this.stopping.signal.aborted
  }

  /** SIGTERM / Ctrl-C: stop fetching, let batches in flight answer and their offsets commit. */
  interrupt(): void {
    this.finish()
  }

  async run(): Promise<ConsumerSummary> {
    const {options} = this
    const kafka = new Kafka({clientId: 'cio-backfill', brokers: options.brokers, logLevel: logLevel.NOTHING})
    await this.startConsumer(kafka)
    await Promise.race([this.finished, this.stopped])
    // disconnect() waits for the batches being handled, then commits what they resolved.
    await this.consumer?.disconnect()
    await this.pacer.stop()
    await options.deadLetters.close()
    const reason = this.stopReason
    return {
      status: reason ? STOP_STATUS[reason.kind] : 'completed',
      delivered: this.delivered,
      deadLettered: this.deadLettered,
      requests: {...this.counters},
      error: reason?.message ?? null,
    }
  }

  /**
   * Join the group and consume. kafkajs restarts by itself after retriable errors only; a broker's
   * non-retriable answer to one request (seen: INVALID_REQUEST while two members join at once) ends
   * its consumer. A long-running consumer should not die of one such answer: rejoin with a fresh
   * consumer, a few times a minute at most, then stop (a persistent error is a real one). Nothing is
   * lost either way: offsets are only ever resolved once answered, so a rejoin re-delivers the rest.
   */
  private async startConsumer(kafka: Kafka): Promise<void> {
    const {options} = this
    const consumer = kafka.consumer({groupId: options.group, sessionTimeout: options.sessionTimeoutMs, heartbeatInterval: Math.min(3000, options.sessionTimeoutMs / 3)})
    this.consumer = consumer
    consumer.on(consumer.events.CRASH, (event) => {
      if (event.payload.restart || this.stopping.signal.aborted) return
      const message = event.payload.error.message
      const now = performance.now()
      this.rejoins = this.rejoins.filter((t) => now - t < REJOIN_WINDOW_MS)
      if (this.rejoins.length >= MAX_REJOINS) {
        this.stop({kind: 'fatal', message: `the Kafka consumer crashed ${MAX_REJOINS + 1} times within a minute: ${message}`})
        return
      }

      this.rejoins.push(now)
      options.log(`Kafka consumer error (${message}); rejoining the group (${this.rejoins.length}/${MAX_REJOINS} this minute)`)
      setTimeout(() => {
        if (this.stopping.signal.aborted) return
        this.startConsumer(kafka).catch((error: Error) => this.stop({kind: 'fatal', message: `the Kafka consumer could not rejoin: ${error.message}`}))
      }, REJOIN_DELAY_MS)
    })
    await consumer.connect()
    await consumer.subscribe({topic: options.topic, fromBeginning: true})
    await consumer.run({
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.concurrency,
      eachBatch: (payload) => this.eachBatch(payload),
    })
  }

  private async eachBatch({batch, resolveOffset, heartbeat, isRunning, isStale}: EachBatchPayload): Promise<void> {
    const {topic, partition} = batch
    const checker = this.checkerFor(topic, partition)
    const packer = new RefPacker<MessageRef>(this.options.maxBodyBytes)
    const steps: Step[] = []
    const step = (lastOffset: string, settled: Promise<boolean>) => {
      const s: Step = {lastOffset, done: false, settled}
      void settled.then((ok) => (s.done = ok))
      steps.push(s)
    }

    /** Resolve the answered steps at the head, in order; with `wait`, wait for each in turn. */
    const resolveAnswered = async (wait: boolean) => {
      while (steps.length > 0) {
        const head = steps[0]
        if (!head.done) {
          if (!wait) return
          if (!(await Promise.race([head.settled, this.stopped]))) return
        }

        resolveOffset(head.lastOffset)
        steps.shift()
      }
    }

    const send = async (ready: RefBatch<MessageRef> | null): Promise<boolean> => {
      if (!ready) return true
      const routed = Object.assign(ready, {topic, partition})
      const settled = new Promise<boolean>((resolve) => this.settle.set(routed, resolve))
      if (!(await this.dispatcher.dispatch(routed))) return false
      step(ready.refs.at(-1)!.offset, settled)
      await resolveAnswered(false)
      await heartbeat()
      return true
    }

    for (const message of batch.messages) {
      if (!isRunning() || isStale() || this.stopping.signal.aborted) break
      const call = callOfMessage(message.value)
      const result = isUnusable(call) ? null : checker.check(call, Number(message.offset))
      if (result?.ok) {
        if (!(await send(packer.add(result.op, {offset: message.offset, message})))) break
        continue
      }

      // Earlier messages go first, so the dead letter's offset is never resolved ahead of theirs.
      if (!(await send(packer.flush()))) break
      const why = isUnusable(call) ? call : {rule: result!.ok ? '' : result!.violation.rule, reason: result!.ok ? '' : result!.violation.message}
      step(message.offset, this.deadLetter(topic, partition, message, why.rule, why.reason).then(() => true))
    }

    if (!this.stopping.signal.aborted) await send(packer.flush())
    await resolveAnswered(true)
  }

  private async acknowledge(batch: RefBatch<MessageRef> & {topic: string; partition: number}, failures: EntryFailures): Promise<void> {
    for (const [index, reason] of failures) {
      await this.deadLetter(batch.topic, batch.partition, batch.refs[index].message, 'rejected_by_api', reason)
    }

    const delivered = batch.refs.length - failures.size
    this.delivered += delivered
    this.metrics?.completed.inc(delivered)
    this.metrics?.batchSize.observe(batch.refs.length)
    this.settle.get(batch)?.(true)
    this.settle.delete(batch)
  }

  private async deadLetter(topic: string, partition: number, message: KafkaMessage, rule: string, reason: string): Promise<void> {
    const letter: DeadLetter = {
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString('utf8') ?? null,
      value: message.value?.toString('utf8') ?? null,
      rule,
      reason,
    }
    await this.options.deadLetters.write(letter)
    this.deadLettered++
    this.metrics?.failed.inc()
  }

  private checkerFor(topic: string, partition: number): CallChecker {
    const seed = `kafka:${topic}:${partition}`
    let checker = this.checkers.get(seed)
    if (!checker) this.checkers.set(seed, (checker = new CallChecker(seed)))
    return checker
  }

  private stop(reason: StopReason | null): void {
    if (reason && !this.stopReason) this.stopReason = reason
    if (!this.stopping.signal.aborted) this.stopping.abort()
  }
}
