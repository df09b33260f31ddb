/** Reasons a delivery stops the whole run rather than settling its rows. */
export class AuthRejectedError extends Error {
  constructor(readonly status: number, message: string) {
    super(`credentials rejected (HTTP ${status}): ${message}`)
    this.name = 'AuthRejectedError'
  }
}

export class RetriesExhaustedError extends Error {
  constructor(readonly attempts: number, lastProblem: string) {
    super(`gave up after ${attempts} attempts; last problem: ${lastProblem}`)
    this.name = 'RetriesExhaustedError'
  }
}

export class FatalResponseError extends Error {
  constructor(readonly status: number, message: string) {
    super(`the Track API answered ${message}; check --endpoint/--region`)
    this.name = 'FatalResponseError'
  }
}

/** The run is stopping: a retry that has not started yet is left for the resume. */
export class DeliveryStoppedError extends Error {
  constructor() {
    super('stopped before the request could be retried')
    this.name = 'DeliveryStoppedError'
  }
}
