/**
 * Thresholds in k6's expression syntax, over the metrics this load test records.
 *
 * Grammar (whitespace optional around every token):
 *   threshold   := [metric (":" | " ")] aggregation operator number
 *   aggregation := "p(" number ")" | "avg" | "min" | "med" | "max" | "count" | "rate"
 *   operator    := "<" | "<=" | ">" | ">=" | "==" | "===" | "!="
 * With no metric the expression applies to http_req_duration, so `p(95)<500` means what it means in k6.
 */

export type MetricType = 'trend' | 'counter' | 'rate'

export interface MetricDefinition {
  type: MetricType
  description: string
}

/** The metrics a threshold can name. Trend values are milliseconds; counter `rate` is per second (k6). */
export const METRICS: Record<string, MetricDefinition> = {
  http_req_duration: {type: 'trend', description: 'operation latency, request sent to full response (ms), every outcome included'},
  schedule_lag: {type: 'trend', description: 'how late arrivals started against their planned time (ms)'},
  errors: {type: 'counter', description: 'operations answered with status >= 400 (429 included) or failed on the network/timeout'},
  http_429: {type: 'counter', description: 'operations answered 429 Too Many Requests'},
  network_errors: {type: 'counter', description: 'operations that failed without an HTTP response (connection errors and timeouts)'},
  timeouts: {type: 'counter', description: 'operations that hit --timeout'},
  dropped_iterations: {type: 'counter', description: 'arrivals not started: --max-in-flight was reached or the --budget refused them'},
  budget_refused: {type: 'counter', description: 'arrivals not started because the shared rate budget (--budget) had no permit free'},
  entry_errors: {type: 'counter', description: 'v2 batch entries rejected inside a 207 response'},
  http_req_failed: {type: 'rate', description: 'fraction of completed operations counted in errors'},
  http_429_rate: {type: 'rate', description: 'fraction of completed operations answered 429'},
}

const ALIASES: Record<string, string> = {latency: 'http_req_duration', dropped: 'dropped_iterations'}

const AGGREGATIONS: Record<MetricType, readonly string[]> = {
  trend: ['avg', 'min', 'med', 'max', 'p(N)'],
  counter: ['count', 'rate'],
  rate: ['rate'],
}

export type Operator = '<' | '<=' | '>' | '>=' | '==' | '===' | '!='

export interface Threshold {
  /** The text the user wrote, reported back verbatim. */
  source: string
  metric: string
  /** "avg" | "min" | "med" | "max" | "count" | "rate" | "p(95)" ... */
  aggregation: string
  percentile?: number
  operator: Operator
  value: number
}

export class ThresholdSyntaxError extends Error {}

const EXPRESSION = /^\s*(?:([A-Za-z_][A-Za-z0-9_]*)\s*[:\s]\s*)?(p\(\s*([0-9]*\.?[0-9]+)\s*\)|[a-z][a-z0-9]*)\s*(<=|>=|===|==|!=|<|>)\s*(-?[0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*$/i

export function parseThreshold(source: string): Threshold {
  const match = EXPRESSION.exec(source)
  const where = `--threshold "${source}"`
  if (!match) {
    throw new ThresholdSyntaxError(
      `${where}: expected [metric] aggregation operator number, e.g. "p(95)<500" or "errors count<50"`,
    )
  }

  const [, rawMetric, rawAggregation, percentileText, operator, valueText] = match
  const metric = rawMetric ? (ALIASES[rawMetric] ?? rawMetric) : 'http_req_duration'
  const definition = METRICS[metric]
  if (!definition) {
    throw new ThresholdSyntaxError(`${where}: unknown metric "${rawMetric}"; known metrics: ${Object.keys(METRICS).join(', ')}`)
  }

  const aggregation = rawAggregation.toLowerCase().replace(/\s+/g, '')
  let percentile: number | undefined
  if (percentileText !== undefined) {
    percentile = Number(percentileText)
    if (percentile < 0 || percentile > 100) {
      throw new ThresholdSyntaxError(`${where}: percentile must be between 0 and 100, got ${percentileText}`)
    }
  }

  const allowed = AGGREGATIONS[definition.type]
  const generic = percentile === undefined ? aggregation : 'p(N)'
  if (!allowed.includes(generic)) {
    const hint = /^p\d/.test(aggregation) ? ` (did you mean p(${aggregation.slice(1)})?)` : ''
    throw new ThresholdSyntaxError(
      `${where}: ${aggregation} does not apply to ${metric} (a ${definition.type}); use ${allowed.join(', ')}${hint}`,
    )
  }

  return {
    source,
    metric,
    aggregation: percentile === undefined ? aggregation : `p(${percentile})`,
    percentile,
    operator: operator as Operator,
    value: Number(valueText),
  }
}

/** Parse every expression up front so a typo fails before any request is sent (k6 does the same). */
export function parseThresholds(sources: readonly string[]): Threshold[] {
  return sources.map((source) => parseThreshold(source))
}

/** Reads an aggregation of a metric from the run's current figures. */
export type MetricReader = (metric: string, aggregation: string, percentile?: number) => number | undefined

export interface ThresholdResult {
  source: string
  metric: string
  aggregation: string
  operator: Operator
  limit: number
  /** The observed value; null when the metric has no samples yet (a trend with no completed operation). */
  observed: number | null
  /** true when the threshold holds. Not k6's inverted summary-export flag. */
  ok: boolean
}

function compare(observed: number, operator: Operator, limit: number): boolean {
  switch (operator) {
    case '<': {
      return observed < limit
    }

    case '<=': {
      return observed <= limit
    }

    case '>': {
      return observed > limit
    }

    case '>=': {
      return observed >= limit
    }

    case '==':
    case '===': {
      return observed === limit
    }

    case '!=': {
      return observed !== limit
    }
  }
}

/**
 * Evaluate thresholds against the current figures. A trend with no samples passes, as in k6: there is
 * nothing yet to hold against the limit (the summary still shows the observed value as null).
 */
export function evaluateThresholds(thresholds: readonly Threshold[], read: MetricReader): ThresholdResult[] {
  return thresholds.map((threshold) => {
    const observed = read(threshold.metric, threshold.aggregation.startsWith('p(') ? 'p' : threshold.aggregation, threshold.percentile)
    return {
      source: threshold.source,
      metric: threshold.metric,
      aggregation: threshold.aggregation,
      operator: threshold.operator,
      limit: threshold.value,
      observed: observed ?? null,
      ok: observed === undefined ? true : compare(observed, threshold.operator, threshold.value),
    }
  })
}
