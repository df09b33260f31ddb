/** validate / plan / mapping init: the offline dry run of a file against Customer.io's rules. */
export {validateInputs, type ValidateOptions} from './validate-inputs.js'
export {runValidate, type ValidateIo, type ValidateRequest} from './run-validate.js'
export {renderReport, renderPlan} from './render-report.js'
export {buildPlan, estimateRequests, tierFor, formatDuration, PlanError, type Plan, type Tier, type TierName} from './plan.js'
export {DuplicateCounter, type DuplicateCounts, type DuplicateCounterOptions} from './duplicate-counter.js'
export {rejectsPathFor} from './rejects-path.js'
export type * from './report.js'
