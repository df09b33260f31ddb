import {appendFile} from 'node:fs/promises'

import type {Producer} from 'kafkajs'

/** One message that was not delivered, with where it was and why. */
export interface DeadLetter {
  topic: string
  partition: number
  offset: string
  key: string | null
  value: string | null
  rule: string
  reason: string
}

/** Where dead letters go. `write` resolves only once the letter is durable: its offset is committed after it. */
export interface DeadLetterSink {
  write(letter: DeadLetter): Promise<void>
  close(): Promise<void>
  describe(): string
}

/** NDJSON lines appended to a file. */
export function fileSink(path: string): DeadLetterSink {
  return {
    write: (letter) => appendFile(path, `${JSON.stringify(letter)}\n`, 'utf8'),
    close: async () => {},
    describe: () => path,
  }
}

/** A Kafka topic; the letter (JSON) is the value, the original key is kept, acks from all in-sync replicas. */
export function topicSink(producer: Producer, topic: string): DeadLetterSink {
  return {
    async write(letter) {
      await producer.send({topic, acks: -1, messages: [{key: letter.key, value: JSON.stringify(letter)}]})
    },
    close: () => producer.disconnect(),
    describe: () => `topic ${topic}`,
  }
}
