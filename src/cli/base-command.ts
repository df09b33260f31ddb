import {Command} from '@oclif/core'

/**
 * Shared behaviour for every command: errors keep their exit code under --json (oclif otherwise
 * exits 1 there), and JSON error output stays compact instead of dumping the parser context.
 */
export abstract class BaseCommand extends Command {
  protected override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number | false}}): Promise<unknown> {
    if (err.exitCode === undefined && typeof err.oclif?.exit === 'number') err.exitCode = err.oclif.exit
    return super.catch(err)
  }

  protected override toErrorJson(err: unknown): unknown {
    const e = err as Error & {code?: string; oclif?: {exit?: number}}
    return {error: {name: e.name, message: e.message, code: e.code, exit: e.oclif?.exit}}
  }
}
