import {Errors, Flags} from '@oclif/core'

import {startEmulator, type RunningEmulator} from '../emulator/index.js'
import {ExitCode} from './exit-codes.js'
import {choiceFlag} from './flag-kinds.js'
import {readSuppressionList} from './suppression-list.js'
import {hostFor, type RegionName, type TrackTarget} from '../target/track-target.js'

/** The flags that pick a Track API workspace; shared by import, resume and loadtest. */
export const targetFlags = {
  'site-id': Flags.string({description: 'Track API site id', env: 'CIO_SITE_ID', helpGroup: 'TARGET'}),
  'api-key': Flags.string({description: 'Track API key (never stored or printed)', env: 'CIO_API_KEY', helpGroup: 'TARGET'}),
  region: choiceFlag({
    description: 'Customer.io region of the workspace',
    choices: ['us', 'eu'] as const,
    default: 'us',
    helpGroup: 'TARGET',
    env: 'CIO_REGION',
  }),
  endpoint: Flags.string({
    description: 'Track API host root, e.g. http://127.0.0.1:4010 (overrides --region)',
    env: 'CIO_TRACK_URL',
    helpGroup: 'TARGET',
  }),
  emulator: Flags.boolean({
    description: 'start an embedded Track API emulator for this run and send there',
    default: false,
    helpGroup: 'TARGET',
  }),
  'emulator-suppressed': Flags.string({
    description: 'with --emulator: people (one id, email or cio_… a line) the emulator treats as suppressed, as your workspace would',
    dependsOn: ['emulator'],
    helpGroup: 'TARGET',
  }),
}

/** import and resume: the question asked before sending to a production workspace from a terminal. */
export const confirmFlags = {
  yes: Flags.boolean({
    char: 'y',
    description: 'send to a Customer.io workspace without asking first (nothing is asked without a terminal anyway)',
    default: false,
    helpGroup: 'TARGET',
  }),
}

export interface TargetFlagValues {
  'site-id'?: string
  'api-key'?: string
  region: RegionName
  endpoint?: string
  emulator: boolean
  'emulator-suppressed'?: string
}

export interface ResolvedTarget {
  target: TrackTarget
  /** Set when --emulator started one; the caller closes it. */
  emulator?: RunningEmulator
}

function usage(message: string): never {
  throw new Errors.CLIError(message, {exit: ExitCode.Usage})
}

/**
 * Turn the target flags into a target. No target is a usage error: we never guess a workspace.
 */
export async function resolveTarget(flags: TargetFlagValues, emulatorOptions: {quiet?: boolean} = {}): Promise<ResolvedTarget> {
  if (flags.emulator) {
    const suppressedFile = flags['emulator-suppressed']
    const suppressed = suppressedFile ? await readSuppressionList(suppressedFile, '--emulator-suppressed') : []
    const emulator = await startEmulator({port: 0, quiet: emulatorOptions.quiet ?? true, suppressed})
    return {target: {siteId: emulator.siteId, apiKey: emulator.apiKey, host: emulator.url}, emulator}
  }

  const siteId = flags['site-id']
  const apiKey = flags['api-key']
  if (!siteId || !apiKey) {
    usage('No target: give --site-id and --api-key (or CIO_SITE_ID / CIO_API_KEY), or --emulator to rehearse locally.')
  }

  if (flags.endpoint) {
    try {
      const url = new URL(flags.endpoint)
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol')
    } catch {
      usage(`--endpoint must be an http(s) URL such as http://127.0.0.1:4010, got "${flags.endpoint}"`)
    }
  }

  return {target: {siteId, apiKey, host: hostFor(flags.region, flags.endpoint)}}
}
