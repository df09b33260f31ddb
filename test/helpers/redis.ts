import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {createServer, Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/**
 * A private redis-server for one test file, on a free port, with nothing saved to disk. The binary
 * must be installed (`apt-get install redis-server`; .ci/run does it): when it is missing the test
 * fails saying so, it is never skipped.
 */
export interface TestRedis {
  port: number
  url: string
  /** SIGKILL and wait for the port to close (a crash, as far as clients can tell). */
  kill(): Promise<void>
  /** Start again on the same port (empty unless started with `persist`). */
  restart(): Promise<void>
  stop(): Promise<void>
}

function redisBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], {encoding: 'utf8'}).stdout.trim()
  if (!found) throw new Error('redis-server is not installed: these tests need a real Redis (apt-get install -y redis-server)')
  return found
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number}
      server.close(() => resolve(port))
    })
  })
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket()
    let answer = ''
    socket.setTimeout(500, () => socket.destroy())
    socket.once('error', () => resolve(false))
    socket.once('close', () => resolve(answer.startsWith('+PONG')))
    socket.on('data', (d) => {
      answer += d.toString()
      socket.end()
    })
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'))
  })
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 25))
  }

  throw new Error(`redis-server: ${what} within ${timeoutMs} ms`)
}

/** `persist`: an append-only file synced on every write, so a killed and restarted Redis keeps its data (a queue). */
export async function startRedis(options: {persist?: boolean} = {}): Promise<TestRedis> {
  const binary = redisBinary()
  const port = await freePort()
  const dir = options.persist ? mkdtempSync(join(tmpdir(), 'cio-redis-')) : null
  const persistence = dir ? ['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']
  let child: ChildProcess | null = null
  let log = ''
  const launch = async () => {
    log = ''
    child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--daemonize', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout!.on('data', (d) => (log += d))
    child.stderr!.on('data', (d) => (log += d))
    await until(() => ping(port), `did not answer PING on port ${port}\n${log}`)
  }

  const end = async (signal: NodeJS.Signals) => {
    const running = child
    child = null
    if (!running || running.exitCode !== null) return
    const exited = new Promise((r) => running.once('exit', r))
    running.kill(signal)
    await exited
  }

  await launch()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: () => end('SIGKILL'),
    restart: launch,
    async stop() {
      await end('SIGTERM')
      if (dir) rmSync(dir, {recursive: true, force: true})
    },
  }
}
