import {Command, Errors} from '@oclif/core'

import {calloutText} from './message-text.js'

type CommandError = Error & {
  exitCode?: number
  code?: string
  oclif?: {exit?: number | false}
  skipOclifErrorHandling?: boolean
  showHelp?: boolean
  suggestions?: string[]
  ref?: string
}

/**
 * Shared behaviour for every command: errors keep their exit code under --json (oclif otherwise
 * exits 1 there), JSON error output stays compact instead of dumping the parser context, and
 * errors and warnings are printed without oclif's hard wrap (which splits paths and words).
 */
export abstract class BaseCommand extends Command {
  protected override async catch(err: CommandError): Promise<unknown> {
    if (err.exitCode === undefined && typeof err.oclif?.exit === 'number') err.exitCode = err.oclif.exit
    // Usage errors that oclif follows with help keep oclif's printing; ExitError prints nothing.
    const printable = !this.jsonEnabled() && err.message && !err.skipOclifErrorHandling && !err.showHelp && !(err instanceof Errors.ExitError)
    if (printable && !process.env.DEBUG) {
      const lines = [err.message]
      if (err.code) lines.push(`Code: ${err.code}`)
      if (err.suggestions?.length) lines.push(`Try this: ${err.suggestions.join('; ')}`)
      if (err.ref) lines.push(`Reference: ${err.ref}`)
      process.stderr.write(`${calloutText(err.name && err.name !== 'CLIError' ? err.name : 'Error', lines, process.stderr)}\n`)
      // oclif still sets the exit code; it just does not print the message a second time.
      err.skipOclifErrorHandling = true
    }

    return super.catch(err)
  }

  public override warn(input: string | Error): string | Error {
    if (this.jsonEnabled()) return input
    const message = typeof input === 'string' ? input : input.message
    process.stderr.write(`${calloutText('Warning', [message], process.stderr)}\n`)
    return input
  }

  protected override toErrorJson(err: unknown): unknown {
    const e = err as Error & {code?: string; oclif?: {exit?: number}}
    return {error: {name: e.name, message: e.message, code: e.code, exit: e.oclif?.exit}}
  }
}
