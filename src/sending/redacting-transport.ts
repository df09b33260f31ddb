import type {AttemptResult} from './attempt-result.js'
import type {Transport} from './track-transport.js'

/**
 * Wraps a transport so that no text from the server reaches the rest of the run (failure reasons in
 * the ledger and retry file, stop messages, output) before the credentials are taken out of it: a
 * debugging gateway may echo the Authorization header back in a 400 or 207 body.
 */
export function redactingTransport(transport: Transport, redact: (text: string) => string): Transport {
  return {
    async send(body) {
      const result = await transport.send(body)
      return redactResult(result, redact)
    },
  }
}

function redactResult(result: AttemptResult, redact: (text: string) => string): AttemptResult {
  switch (result.kind) {
    case 'ok': {
      if (result.entryErrors.length === 0) return result
      return {
        ...result,
        entryErrors: result.entryErrors.map((e) => ({
          ...e,
          ...(e.message === undefined ? {} : {message: redact(e.message)}),
          ...(e.reason === undefined ? {} : {reason: redact(e.reason)}),
          ...(e.field === undefined ? {} : {field: redact(e.field)}),
        })),
      }
    }

    case 'rejected':
    case 'auth':
    case 'fatal':
    case 'transient': {
      return {...result, message: redact(result.message)}
    }

    case 'throttled': {
      return result
    }
  }
}
