import {TrackClient} from 'customerio-node'
import {afterEach} from 'vitest'

import {type EmulatorOptions, type RunningEmulator, startEmulator} from '../../src/emulator/index.js'

const running: RunningEmulator[] = []

afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()))
})

/** A quiet emulator on a free port, closed after the test; rate limiting off unless asked for. */
export async function emulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const emu = await startEmulator({port: 0, quiet: true, rateLimit: null, ...options})
  running.push(emu)
  return emu
}

/** The real customerio-node client pointed at the emulator, its own retries off. */
export function clientFor(emu: RunningEmulator, overrides: {apiKey?: string; timeout?: number; maxRetries?: number} = {}): TrackClient {
  return new TrackClient(emu.siteId, overrides.apiKey ?? emu.apiKey, {
    url: `${emu.url}/api/v1`,
    timeout: overrides.timeout ?? 5000,
    retry: {maxRetries: overrides.maxRetries ?? 0},
  })
}

export interface Failure {
  statusCode?: number
  body?: unknown
  message: string
  headers?: Record<string, string>
  name?: string
}

/** Runs a client call expected to fail and returns what the client saw. */
export async function failure(call: Promise<unknown>): Promise<Failure> {
  try {
    await call
  } catch (error) {
    const e = error as Error & {statusCode?: number; body?: unknown; response?: {headers: Record<string, string>}}
    return {statusCode: e.statusCode, body: e.body, message: e.message, headers: e.response?.headers, name: e.name}
  }

  throw new Error('expected the call to fail, it succeeded')
}

export function bytes(value: unknown): number {
  return Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value), 'utf8')
}

/** A string of exactly `n` UTF-8 bytes built from 3-byte characters plus ASCII padding. */
export function utf8String(n: number): string {
  return '€'.repeat(Math.floor(n / 3)) + 'a'.repeat(n % 3)
}

export const ULID_A = '01BX5ZZKBKACTAV9WEVGEMMVRY'
export const ULID_B = '01HGW2N7EHJVQZ8XK3T5R6Y9AB'
