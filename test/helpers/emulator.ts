import {type EmulatorOptions, type RunningEmulator, startEmulator} from '../../src/emulator/index.js'
import {tempDir} from './cli.js'

/** An emulator for one test, with its rate limit off unless the test is about pacing. */
export async function testEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({port: 0, quiet: true, rateLimit: null, ...options})
}

/** The flags that point the CLI at an emulator. */
export function targetArgs(emulator: RunningEmulator): string[] {
  return ['--endpoint', emulator.url, '--site-id', emulator.siteId, '--api-key', emulator.apiKey]
}

export type TempDir = ReturnType<typeof tempDir>

/** A fresh emulator and temp dir for one test: `beforeEach(async () => ({emulator, dir} = await emulatorAndDir()))`. */
export async function emulatorAndDir(options: EmulatorOptions = {}): Promise<{emulator: RunningEmulator; dir: TempDir}> {
  return {emulator: await testEmulator(options), dir: tempDir()}
}

export async function closeEmulatorAndDir(emulator: RunningEmulator, dir: TempDir): Promise<void> {
  await emulator.close()
  dir.cleanup()
}
