import {parseFlagDuration} from './duration.js'
import {parseMix, type Mix} from './mix.js'
import {parseStages, type Stage} from './stages.js'
import {parseThresholds, type Threshold} from './thresholds.js'

/** The seed k6 scenario; the command's defaults and load-tests/customerio.js both follow it. */
export const DEFAULT_SCENARIO = {
  stages: '30s:50,60s:80,30s:10',
  startRate: '10',
  mix: 'identify=1,track=1',
  thresholds: ['p(95)<500', 'p(99)<2000'],
  maxErrors: 50,
} as const

export interface ScenarioFlagValues {
  stages: string
  'start-rate': string
  mix: string
  threshold: string[]
  'max-errors': number
  'no-thresholds': boolean
  timeout: string
  'graceful-stop': string
}

export interface Scenario {
  stages: Stage[]
  startRate: number
  mix: Mix
  thresholds: Threshold[]
  timeoutMs: number
  gracefulStopMs: number
}

export class ScenarioError extends Error {}

function duration(flag: string, text: string): number {
  const ms = parseFlagDuration(text)
  if (ms === null || ms <= 0) throw new ScenarioError(`--${flag} "${text}": expected a positive duration such as 10s, 500ms, 2m or 30 (seconds)`)
  return ms
}

/**
 * Validate every scenario flag before anything is sent: a typo in a threshold must not cost a
 * ten-minute run. `--max-errors N` is the threshold `errors count<N` (the seed's "fewer than 50").
 */
export function scenarioFromFlags(flags: ScenarioFlagValues): Scenario {
  const startRate = Number(flags['start-rate'])
  if (flags['start-rate'].trim() === '' || !Number.isFinite(startRate) || startRate < 0) {
    throw new ScenarioError(`--start-rate "${flags['start-rate']}": expected arrivals per second >= 0`)
  }

  const stages = parseStages(flags.stages)
  const expressions = flags['no-thresholds'] ? [] : [...flags.threshold, `errors count<${flags['max-errors']}`]
  return {
    stages,
    startRate,
    mix: parseMix(flags.mix),
    thresholds: parseThresholds(expressions),
    timeoutMs: duration('timeout', flags.timeout),
    gracefulStopMs: duration('graceful-stop', flags['graceful-stop']),
  }
}
