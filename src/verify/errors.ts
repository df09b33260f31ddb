/** A verify that cannot start or go on; the message is for the user (exit 2). */
export class VerifyError extends Error {
  override readonly name = 'VerifyError'
}

/** The App API refused the key (401/403): exit 3, as for rejected Track credentials. */
export class AppApiAuthError extends Error {
  override readonly name = 'AppApiAuthError'
}
