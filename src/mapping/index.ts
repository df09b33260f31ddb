/** Mapping and Customer.io rules: records -> operations. The one rule set import and validate share. */
export {createMapper, type CreateMapperOptions} from './create-mapper.js'
export {checkColumns, ColumnsError, type ColumnProblem, type CheckColumnsOptions} from './check-columns.js'
export {
  loadMappingFile,
  parseMappingFile,
  MappingError,
  COLUMN_TYPES,
  IDENTIFIER_TYPES,
  type MappingFile,
  type ColumnSpec,
  type ColumnType,
  type MappingIdentifierType,
} from './mapping-file.js'
export {inferValueType, type ValueType} from './infer.js'
export {
  parseTimestamp,
  parseTimestampMs,
  suspiciousTimestamp,
  SERVICE_EPOCH_SECONDS,
  type TimestampSuspicion,
  type SuspicionOptions,
} from './timestamps.js'
export {deriveEventId, eventIdDeriver, isEventId, EVENT_ID_SCHEME, type EventIdDeriver, type EventIdScheme} from './event-id.js'
export {Rule, type RuleCode} from './rules.js'
export {RETRY_COLUMNS, PEOPLE_IDENTIFIERS, EVENT_IDENTIFIERS, EVENT_NAME_FIELDS, ColumnPlanner, Role} from './column-plan.js'
export type * from './types.js'
