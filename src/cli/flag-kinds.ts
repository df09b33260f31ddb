import {Errors, Flags, type Interfaces} from '@oclif/core'

import {formatDuration, parseFlagDuration} from '../loadtest/duration.js'

interface DurationOptions {
  description: string
  minMs?: number
  maxMs?: number
  hidden?: boolean
  helpGroup?: string
  env?: string
}

/**
 * A duration flag, parsed to milliseconds, with the one syntax every command shares: 500ms, 10s,
 * 2m, 1m30s, or a bare number of seconds. Bounds are checked here so each flag's message is the same.
 */
export function durationFlag(options: DurationOptions & {defaultMs: number}): Interfaces.OptionFlag<number>
export function durationFlag(options: DurationOptions): Interfaces.OptionFlag<number | undefined>
export function durationFlag(options: DurationOptions & {defaultMs?: number}): Interfaces.OptionFlag<number | undefined> {
  const {defaultMs, minMs = 0, maxMs = Number.POSITIVE_INFINITY} = options
  return Flags.custom<number>({
    description: options.description,
    helpGroup: options.helpGroup,
    hidden: options.hidden,
    env: options.env,
    helpValue: '<duration>',
    default: defaultMs,
    defaultHelp: defaultMs === undefined ? undefined : async () => formatDuration(defaultMs),
    async parse(input) {
      const ms = parseFlagDuration(input)
      if (ms === null) throw new Errors.CLIError(`expected a duration such as 500ms, 10s, 2m or 30 (seconds), got "${input}"`)
      if (ms < minMs || ms > maxMs) {
        const range = maxMs === Number.POSITIVE_INFINITY ? `at least ${formatDuration(minMs)}` : `between ${formatDuration(minMs)} and ${formatDuration(maxMs)}`
        throw new Errors.CLIError(`expected a duration ${range}, got "${input}"`)
      }

      return ms
    },
  })()
}

/** One of `choices`, in any case; the message names what was accepted. */
export function parseChoice<T extends string>(choices: readonly T[], input: string): T {
  const value = input.trim().toLowerCase()
  if (!(choices as readonly string[]).includes(value)) throw new Errors.CLIError(`expected one of ${choices.join(', ')} (any case), got "${input}"`)
  return value as T
}

interface ChoiceOptions<T extends string> {
  choices: readonly T[]
  description: string
  helpGroup?: string
  env?: string
}

/**
 * A choice among fixed words, matched in any case (`--region EU`, `--type People`), returned in the
 * canonical lower case. oclif's own option flags compare case-sensitively before any parse runs.
 */
export function choiceFlag<T extends string>(options: ChoiceOptions<T> & {default: T}): Interfaces.OptionFlag<T>
export function choiceFlag<T extends string>(options: ChoiceOptions<T> & {required: true}): Interfaces.OptionFlag<T>
export function choiceFlag<T extends string>(options: ChoiceOptions<T>): Interfaces.OptionFlag<T | undefined>
export function choiceFlag<T extends string>(options: ChoiceOptions<T> & {default?: T; required?: boolean}): Interfaces.OptionFlag<T | undefined> {
  const {choices} = options
  const flag = Flags.custom<string>({
    description: options.description,
    helpGroup: options.helpGroup,
    env: options.env,
    helpValue: choices.join('|'),
    async parse(input) {
      return parseChoice(choices, input)
    },
  })()
  // Set after construction: the custom() overloads cannot type a default or required chosen at run time.
  return {...flag, default: options.default, required: options.required ?? false} as unknown as Interfaces.OptionFlag<T | undefined>
}
