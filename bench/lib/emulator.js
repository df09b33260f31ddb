// The emulator in its own process (so its CPU is not the importer's), count store, no rate limit.
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {fileURLToPath} from 'node:url'

export const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
export const CREDENTIALS = ['--site-id', 'emulator-site', '--api-key', 'emulator-key']

export async function startEmulator(extraArgs = []) {
  // No rate limit unless the caller sets one (bench/throttle-recovery.js does).
  const limit = extraArgs.includes('--rate-limit') ? [] : ['--rate-limit', '0']
  const child = spawn(process.execPath, [BIN, 'emulator', '--port', '0', '--store', 'count', ...limit, '--quiet', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk
      const match = /https?:\/\/[\d.:]+/.exec(out)
      if (match) resolve(match[0])
    })
    child.once('exit', (code) => reject(new Error(`emulator exited (${code}) before printing its URL: ${out}`)))
  })
  const get = async (path) => (await fetch(url + path)).json()
  return {
    url,
    pid: child.pid,
    stats: () => get('/__emulator/stats'),
    /** Arrival times (ms since epoch) of the last 100,000 Track requests. */
    requestTimes: () => get('/__emulator/requests'),
    reset: () => fetch(url + '/__emulator/reset', {method: 'POST'}).then((r) => r.json()),
    async close() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      await once(child, 'exit')
    },
  }
}
