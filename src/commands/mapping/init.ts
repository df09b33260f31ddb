import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {ExitCode} from '../../cli/exit-codes.js'
import {choiceFlag} from '../../cli/flag-kinds.js'
import {asUserError} from '../../cli/user-errors.js'
import {initMapping, type MappingInitResult} from '../../validation/mapping-init.js'

export default class MappingInit extends BaseCommand {
  static override id = 'mapping init'
  static override summary = 'Write an editable mapping file guessed from a sample of an input'
  static override description = `Reads the header and the first rows (--sample), guesses the identifier column (when none of the
standard id/email/cio_id columns is there), renames onto created_at, or for events name, timestamp,
data and event_id, and types columns whose every sampled value is a number, boolean, timestamp or
JSON. Every column gets an entry with a comment saying what was seen. Edit it, then pass it to
validate and import with --mapping.

Exit codes: 0 written and usable as is; 1 written, but it needs editing (no identifier or event name
column found); 2 bad flags, unreadable input, or the output exists (use --force).`

  static override examples = [
    '<%= config.bin %> mapping init export.csv --type people',
    '<%= config.bin %> mapping init events.ndjson --type events --output events-mapping.json --sample 5000',
  ]

  static override enableJsonFlag = true
  static override args = {
    file: Args.string({required: true, description: 'input file (.csv, .ndjson, .jsonl, optionally .gz); - reads stdin'}),
  }

  static override flags = {
    type: choiceFlag({description: 'what the rows are', choices: ['people', 'events'] as const, required: true}),
    format: choiceFlag({description: 'input format (default: from the file extension)', choices: ['csv', 'ndjson'] as const}),
    output: Flags.string({char: 'o', description: 'where to write the mapping file', default: 'mapping.json'}),
    sample: Flags.integer({description: 'rows to sample', default: 1000, min: 1}),
    force: Flags.boolean({description: 'replace the output file if it exists'}),
  }

  async run(): Promise<MappingInitResult> {
    const {args, flags} = await this.parse(MappingInit)
    let result: MappingInitResult
    try {
      result = await initMapping({input: args.file, type: flags.type, format: flags.format, sample: flags.sample, output: flags.output, force: flags.force})
    } catch (error) {
      throw asUserError(error)
    }
    if (!this.jsonEnabled()) {
      this.log(`Wrote ${result.output} from ${result.sampledRows} sampled rows of ${args.file}:`)
      for (const line of result.decisions) this.log(`  ${line}`)
      for (const line of result.problems) this.log(`  to fix: ${line}`)
      this.log(`Next: ${this.config.bin} validate ${args.file} --type ${flags.type} --mapping ${flags.output}`)
    }
    process.exitCode = result.problems.length > 0 ? ExitCode.RowsFailed : ExitCode.Ok
    return result
  }
}
