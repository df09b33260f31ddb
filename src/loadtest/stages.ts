import {formatDuration, parseDuration} from './duration.js'

/** One k6 stage: ramp linearly from the previous rate to `target` arrivals per second over `durationMs`. */
export interface Stage {
  durationMs: number
  /** Arrivals per second at the end of the stage. */
  target: number
}

export class StageSpecError extends Error {}

/**
 * Parse `--stages 30s:50,60s:80,30s:10` (duration:target, comma separated), the k6 `stages` array in
 * flag form. Every problem names the stage by position and the rule it breaks.
 */
export function parseStages(spec: string): Stage[] {
  const parts = spec.split(',').map((part) => part.trim())
  if (parts.length === 0 || parts.every((part) => part === '')) {
    throw new StageSpecError('--stages is empty; expected duration:target pairs such as 30s:50,60s:80')
  }

  return parts.map((part, i) => {
    const where = `--stages entry ${i + 1} ("${part}")`
    const [durationText, targetText, extra] = part.split(':')
    if (targetText === undefined || extra !== undefined) {
      throw new StageSpecError(`${where}: expected duration:target, e.g. 30s:50`)
    }

    const durationMs = parseDuration(durationText)
    if (durationMs === null || durationMs <= 0) {
      throw new StageSpecError(`${where}: duration must be positive with a unit (ms, s, m, h), e.g. 30s or 1m30s`)
    }

    const target = Number(targetText.trim())
    if (targetText.trim() === '' || !Number.isFinite(target) || target < 0) {
      throw new StageSpecError(`${where}: target must be a number of arrivals per second >= 0`)
    }

    return {durationMs, target}
  })
}

export function formatStages(stages: readonly Stage[]): string {
  return stages.map((stage) => `${formatDuration(stage.durationMs)}:${stage.target}`).join(',')
}

export function totalDurationMs(stages: readonly Stage[]): number {
  return stages.reduce((sum, stage) => sum + stage.durationMs, 0)
}
