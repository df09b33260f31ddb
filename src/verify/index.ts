/** verify: read the people of an import back through the App API and compare them with what was sent. */
export {runVerify, type VerifyReport, type VerifyRequest} from './run-verify.js'
export {APP_API_HOSTS} from './app-api-client.js'
export {AppApiAuthError, VerifyError} from './errors.js'
export type {AttributeDifference} from './compare.js'
