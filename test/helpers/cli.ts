import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BIN = join(ROOT, 'bin', 'run.js')

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** The built CLI as a real child process (npm test builds dist first). */
export function spawnCli(args: string[], options: {env?: Record<string, string>; cwd?: string; input?: string} = {}): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: {...process.env, CIO_SITE_ID: '', CIO_API_KEY: '', CIO_TRACK_URL: '', FORCE_COLOR: '0', ...options.env},
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  if (options.input !== undefined) child.stdin!.end(options.input)
  else child.stdin!.end()
  return child
}

export function collect(child: ChildProcess, timeoutMs = 120_000): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`CLI timed out after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`))
    }, timeoutMs)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr})
    })
  })
}

export function runCli(args: string[], options: {env?: Record<string, string>; cwd?: string; input?: string; timeoutMs?: number} = {}): Promise<CliResult> {
  return collect(spawnCli(args, options), options.timeoutMs)
}

/** Wait until the child's stderr contains `text` (e.g. a progress line), or fail. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = ''
    const timer = setTimeout(() => reject(new Error(`did not see ${pattern} within ${timeoutMs} ms; saw:\n${seen}`)), timeoutMs)
    const onData = (d: Buffer) => {
      seen += d.toString()
      if (pattern.test(seen)) {
        clearTimeout(timer)
        child.stderr!.off('data', onData)
        child.stdout!.off('data', onData)
        resolve()
      }
    }

    child.stderr!.on('data', onData)
    child.stdout!.on('data', onData)
  })
}

export function tempDir(prefix = 'cio-backfill-test-'): {path: string; cleanup: () => void} {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return {path, cleanup: () => rmSync(path, {recursive: true, force: true})}
}

export function parseJson<T = Record<string, any>>(stdout: string): T {
  try {
    return JSON.parse(stdout) as T
  } catch {
    throw new Error(`stdout is not one JSON document:\n${stdout}`)
  }
}

/** oclif wraps error messages to the terminal width with " ›  " prefixes: undo that before matching. */
export function flat(text: string): string {
  return text.replace(/\n\s*›\s*/g, ' ').replace(/\s+/g, ' ')
}

/** CPU time (user + system, clock ticks) the process has used so far, from /proc. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12])
}

/**
 * Resolves once the process has started up and then used no CPU for `quietMs`: it is blocked (e.g. on
 * a stdin that stays open) having done all it can. Unlike a fixed sleep, this holds on a loaded machine.
 */
export async function waitUntilIdle(pid: number, {quietMs = 1000, minTicks = 20, timeoutMs = 60_000} = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = -1
  let since = Date.now()
  while (Date.now() < deadline) {
    const ticks = cpuTicks(pid)
    if (ticks !== last) {
      last = ticks
      since = Date.now()
    } else if (ticks >= minTicks && Date.now() - since >= quietMs) {
      return
    }

    await new Promise((resolve) => setTimeout(resolve, 50))
  }

  throw new Error(`process ${pid} did not become idle within ${timeoutMs} ms`)
}
