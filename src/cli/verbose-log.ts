import type {Exchange} from '../sending/track-transport.js'
import {redact, type TrackTarget} from '../target/track-target.js'

const n = (v: number) => new Intl.NumberFormat('en-US').format(v)

function outcome(exchange: Exchange): string {
  const r = exchange.result
  switch (r.kind) {
    case 'ok':
      return r.entryErrors.length === 0 ? '2xx ok' : `2xx, ${n(r.entryErrors.length)} entries rejected: ${r.entryErrors.map((e) => e.message ?? e.reason).join('; ')}`
    case 'throttled':
      return `429 throttled${r.retryAfterMs === null ? '' : `, Retry-After ${r.retryAfterMs / 1000}s`}`
    case 'transient':
      return `transient: ${r.message}`
    default:
      return `${r.status} ${r.kind}: ${r.message}`
  }
}

/**
 * One stderr line per HTTP attempt for --verbose: what went, what came back, how long it took, with
 * Customer.io's error text. No headers are logged, and the key is masked wherever it might be echoed.
 */
export function verboseExchangeLogger(target: TrackTarget, write: (line: string) => void): (exchange: Exchange) => void {
  return (exchange) => {
    const line =
      `[verbose] ${exchange.request} ${n(exchange.entries)} entr${exchange.entries === 1 ? 'y' : 'ies'}, ${n(exchange.requestBytes)} B` +
      ` -> ${outcome(exchange)} in ${Math.round(exchange.durationMs)} ms`
    write(redact(line, target))
  }
}
