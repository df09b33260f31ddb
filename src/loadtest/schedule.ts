import type {Stage} from './stages.js'

/** One planned arrival: when it should start (ms after the run's fixed start) and which stage it belongs to. */
export interface PlannedArrival {
  /** 0-based arrival number across the whole run. */
  index: number
  atMs: number
  stage: number
}

/** What a stage promises: its rate at both ends and how many arrivals start inside it. */
export interface StagePlan {
  index: number
  startMs: number
  durationMs: number
  fromRate: number
  toRate: number
  /** Mean arrivals per second over the stage (area / duration). */
  targetRate: number
  /** Arrivals whose start time falls in this stage, after fractional carry-over. */
  arrivals: number
}

// Areas are summed in floating point; 30 s at 50/s must give exactly 1500, not 1499.9999999.
const snap = (value: number): number => Math.round(value * 1e9) / 1e9

/**
 * Cumulative arrivals at the end of each stage: the area under the piecewise-linear rate curve.
 * Fractions are carried across stage boundaries, exactly as k6's ramping-arrival-rate does.
 */
function stageEndCounts(startRate: number, stages: readonly Stage[]): number[] {
  let from = startRate
  let count = 0
  return stages.map((stage) => {
    count = snap(count + ((from + stage.target) / 2) * (stage.durationMs / 1000))
    from = stage.target
    return count
  })
}

export function planStages(startRate: number, stages: readonly Stage[]): StagePlan[] {
  const ends = stageEndCounts(startRate, stages)
  let from = startRate
  let startMs = 0
  let previousEnd = 0
  return stages.map((stage, index) => {
    const plan: StagePlan = {
      index,
      startMs,
      durationMs: stage.durationMs,
      fromRate: from,
      toRate: stage.target,
      targetRate: (from + stage.target) / 2,
      arrivals: Math.floor(ends[index]) - Math.floor(previousEnd),
    }
    previousEnd = ends[index]
    from = stage.target
    startMs += stage.durationMs
    return plan
  })
}

/**
 * Time into a stage at which the area under its rate line reaches `area`. The rate is
 * r(x) = from + (to - from)·x/d, so the area is from·x + (to - from)·x²/(2d); solving for x in the
 * form 2a / (from + sqrt(from² + 2(to - from)a/d)) stays exact for flat stages (it reduces to a/from)
 * and for ramps that start at zero, where the textbook quadratic formula divides by (to - from).
 */
function timeForArea(area: number, fromPerMs: number, toPerMs: number, durationMs: number): number {
  const root = Math.sqrt(Math.max(0, fromPerMs * fromPerMs + (2 * (toPerMs - fromPerMs) * area) / durationMs))
  return (2 * area) / (fromPerMs + root)
}

/**
 * Every arrival's start time, from the integral of the stage curve against one fixed start
 * (k6 ramping-arrival-rate `cal()`): arrival n (1-based) starts when the area reaches n. Callers
 * wait for `start + atMs`, so timing error never accumulates across arrivals.
 */
export function* arrivalSchedule(startRate: number, stages: readonly Stage[]): Generator<PlannedArrival> {
  const ends = stageEndCounts(startRate, stages)
  let from = startRate / 1000
  let stageStart = 0
  let doneSoFar = 0
  let n = 1
  for (const [index, stage] of stages.entries()) {
    const to = stage.target / 1000
    for (; n <= ends[index]; n++) {
      const atMs = stageStart + timeForArea(n - doneSoFar, from, to, stage.durationMs)
      yield {index: n - 1, atMs: Math.min(atMs, stageStart + stage.durationMs), stage: index}
    }

    doneSoFar = ends[index]
    from = to
    stageStart += stage.durationMs
  }
}

export function totalArrivals(startRate: number, stages: readonly Stage[]): number {
  const ends = stageEndCounts(startRate, stages)
  return ends.length === 0 ? 0 : Math.floor(ends.at(-1)!)
}

/** The planned arrival rate (per second) at `atMs` into the run; 0 once the last stage is over. */
export function rateAt(plans: readonly StagePlan[], atMs: number): number {
  const plan = plans.find((candidate) => atMs < candidate.startMs + candidate.durationMs)
  if (!plan) return 0
  const progress = Math.max(0, atMs - plan.startMs) / plan.durationMs
  return plan.fromRate + (plan.toRate - plan.fromRate) * progress
}
