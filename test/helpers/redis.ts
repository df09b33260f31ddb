import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/** A private redis-server for one suite: a free port, no persistence unless asked, stopped by the test. */
export interface TestRedis {
  url: string
  port: number
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>
  /** Stop and start again on the same port (its data survives only with `persist`). */
  restart(): Promise<void>
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number}
      server.close(() => resolve(port))
    })
  })
}

function requireBinary(): void {
  const probe = spawnSync('redis-server', ['--version'], {encoding: 'utf8'})
  if (probe.error || probe.status !== 0) {
    throw new Error('redis-server is not installed: these tests need a real Redis (apt-get install -y redis-server; .ci/run installs it)')
  }
}

async function waitForPing(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${output()}`)
    const ping = spawnSync('redis-cli', ['-p', String(port), 'PING'], {encoding: 'utf8'})
    if (ping.stdout?.trim() === 'PONG') return
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING: ${output()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** `persist`: append-only file in a temp dir, so a restart keeps the queue (the "Redis restarted mid-run" case). */
export async function startRedis(options: {persist?: boolean} = {}): Promise<TestRedis> {
  requireBinary()
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'cio-redis-'))
  let child: ChildProcess
  const launch = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--daemonize', 'no']
    args.push('--appendonly', options.persist ? 'yes' : 'no')
    if (options.persist) args.push('--appendfsync', 'always')
    let output = ''
    child = spawn('redis-server', args, {stdio: ['ignore', 'pipe', 'pipe']})
    child.stdout!.on('data', (d) => (output += d))
    child.stderr!.on('data', (d) => (output += d))
    await waitForPing(port, child, () => output)
  }

  const halt = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    await exited
  }

  await launch()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await halt()
      rmSync(dir, {recursive: true, force: true})
    },
    async restart() {
      await halt()
      await launch()
    },
  }
}
