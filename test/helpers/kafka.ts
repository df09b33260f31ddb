import {spawn, spawnSync} from 'node:child_process'

/** librdkafka's mock cluster (3 brokers), started with kcat: it speaks the real protocol to kafkajs. */
export interface MockKafka {
  brokers: string[]
  stop(): Promise<void>
}

export async function startMockKafka(): Promise<MockKafka> {
  const probe = spawnSync('kcat', ['-V'], {encoding: 'utf8'})
  if (probe.error || probe.status !== 0) {
    throw new Error('kcat is not installed: these tests need librdkafka\'s mock Kafka cluster (apt-get install -y kcat; .ci/run installs it)')
  }

  const child = spawn('kcat', ['-X', 'test.mock.num.brokers=3', '-b', 'localhost:1', '-C', '-t', '__keepalive', '-o', 'end', '-d', 'mock'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const brokers = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the mock Kafka cluster did not start within 10 s:\n${output.slice(-2000)}`)), 10_000)
    const onData = (d: Buffer) => {
      output += d
      const m = /bootstrap\.servers=([0-9.:,]+)/.exec(output)
      if (m) {
        clearTimeout(timer)
        resolve(m[1].split(','))
      }
    }

    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`kcat exited with ${code}:\n${output.slice(-2000)}`)))
  })
  // Keep draining its debug output so the pipe never fills.
  child.stdout!.resume()
  child.stderr!.removeAllListeners('data')
  child.stderr!.resume()
  return {
    brokers,
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited
    },
  }
}
