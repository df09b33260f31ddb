import type {RunConfig} from '../ledger/records.js'
import type {EventIdScheme} from '../mapping/index.js'

/** The scheme a run derives event ids with: the one recorded at its creation, else 1 (runs from before schemes). */
export function eventIdSchemeOf(config: RunConfig): EventIdScheme {
  return config.eventIdScheme ?? 1
}
