// Runs `node bin/run.js ...` as a child process and samples its memory from /proc while it runs:
// VmHWM is the kernel's own peak-RSS mark, so the last sample before exit is the peak.
import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'

import {BIN} from './emulator.js'

function statusKb(pid, field) {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) : null
  } catch {
    return null
  }
}

/**
 * Resolves with {code, stdout, stderr, seconds, peakRssMb, startedAt} once the child exits.
 * `onStart(child)` lets a caller signal it (resume benchmarks interrupt the run).
 */
export function runCli(args, {nodeArgs = [], onStart, sampleMs = 50} = {}) {
  return runNode([...nodeArgs, BIN, ...args], {onStart, sampleMs})
}

/** `node ...argv` as a child, measured like runCli (a bench script such as the plain-import yardstick). */
export function runNode(argv, {onStart, sampleMs = 50} = {}) {
  return new Promise((resolve, reject) => {
    const startedAt = Date.now()
    const started = process.hrtime.bigint()
    const child = spawn(process.execPath, argv, {stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c) => (stdout += c))
    child.stderr.setEncoding('utf8').on('data', (c) => (stderr += c))
    let peakKb = 0
    const sample = () => {
      const hwm = statusKb(child.pid, 'VmHWM')
      if (hwm !== null && hwm > peakKb) peakKb = hwm
    }
    const sampler = setInterval(sample, sampleMs)
    child.once('error', reject)
    // 'exit' fires before the pipes close; sample once more there (the zombie's /proc entry may still answer).
    child.once('exit', sample)
    child.once('close', (code, signal) => {
      clearInterval(sampler)
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      resolve({code, signal, stdout, stderr, seconds, peakRssMb: peakKb / 1024, startedAt})
    })
    onStart?.(child)
  })
}
