import {Command, Errors} from '@oclif/core'

import {CodedError, errorCodeOf} from './error-codes.js'
import {ExitCode} from './exit-codes.js'
import {closestFlag} from './flag-suggestion.js'
import {calloutText} from './message-text.js'

type CommandError = Error & {
  exitCode?: number
  code?: string
  oclif?: {exit?: number | false}
  skipOclifErrorHandling?: boolean
  showHelp?: boolean
  suggestions?: string[]
  ref?: string
  flags?: string[]
}

/**
 * Shared behaviour for every command: errors keep their exit code under --json (oclif otherwise
 * exits 1 there) and carry a stable machine `code`; a mistyped flag gets a did-you-mean instead
 * of the whole help; warnings are kept and land in the --json output; errors and warnings are
 * printed without oclif's hard wrap (which splits paths and words).
 */
export abstract class BaseCommand extends Command {
  /** Entries have a message, and a rule and file when a command's own report knows them (validate). */
  private readonly warnings: Array<{message: string}> = []

  public override warn(input: string | Error): string | Error {
    const message = typeof input === 'string' ? input : input.message
    this.warnings.push({message})
    if (this.jsonEnabled()) return input
    process.stderr.write(`${calloutText('Warning', [message], process.stderr)}\n`)
    return input
  }

  protected override async catch(err: CommandError): Promise<unknown> {
    // The parser's NonExistentFlagsError is not exported from @oclif/core's entry point.
    const unknownFlags = err.constructor?.name === 'NonExistentFlagsError' && Array.isArray(err.flags)
    const error: CommandError = unknownFlags ? this.unknownFlag(err.flags!) : err
    if (error.exitCode === undefined && typeof error.oclif?.exit === 'number') error.exitCode = error.oclif.exit
    // Usage errors that oclif follows with help keep oclif's printing; ExitError prints nothing.
    const printable =
      !this.jsonEnabled() && error.message && !error.skipOclifErrorHandling && !error.showHelp && !(error instanceof Errors.ExitError)
    if (printable && !process.env.DEBUG) {
      const lines = [error.message]
      if (error.suggestions?.length) lines.push(`Try this: ${error.suggestions.join('; ')}`)
      if (error.ref) lines.push(`Reference: ${error.ref}`)
      process.stderr.write(`${calloutText(error.name && !['CLIError', 'CodedError'].includes(error.name) ? error.name : 'Error', lines, process.stderr)}\n`)
      // oclif still sets the exit code; it just does not print the message a second time.
      error.skipOclifErrorHandling = true
    }

    return super.catch(error)
  }

  protected override toErrorJson(err: unknown): unknown {
    const e = err as Error & {oclif?: {exit?: number}; exitCode?: number}
    return {error: {code: errorCodeOf(e), message: e.message, exit: e.oclif?.exit ?? e.exitCode ?? 1}, warnings: this.warnings}
  }

  protected override toSuccessJson(result: unknown): unknown {
    if (!result || typeof result !== 'object' || Array.isArray(result)) return result
    // A report may carry warnings of its own (validate's column checks): keep them, add the command's.
    const own = (result as {warnings?: unknown}).warnings
    return {...result, warnings: [...(Array.isArray(own) ? own : []), ...this.warnings]}
  }

  /** oclif answers a typo with the full help (50+ lines); one line naming the likely flag serves better. */
  private unknownFlag(typedFlags: string[]): CodedError {
    const known = Object.entries(this.ctor.flags ?? {})
      .filter(([, flag]) => !flag.hidden)
      .map(([name]) => name)
    const hints = typedFlags.map((typed) => {
      const guess = closestFlag(typed, known)
      return guess ? `${typed} (did you mean --${guess}?)` : typed
    })
    const command = [this.config.bin, ...(this.id ?? '').split(':')].join(' ').trim()
    const message = `Unknown flag${hints.length > 1 ? 's' : ''}: ${hints.join(', ')}. See: ${command} --help`
    return new CodedError(message, 'unknown_flag', ExitCode.Usage)
  }
}
