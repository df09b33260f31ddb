import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {pacingFlags} from '../cli/import-flags.js'
import {asUserError} from '../cli/user-errors.js'
import {runValidate, type ValidationReport} from '../validation/index.js'

export default class Validate extends BaseCommand {
  static override id = 'validate'
  static override summary = 'Check files offline against Customer.io\'s rules and plan the import'
  static override description = `Reads each file in constant memory through the same reader, mapping and rules as import, without
sending anything. Reports rows read, valid and invalid (by rule, with the first lines), people rows
that repeat an identifier (events: an event_id), timestamps in a suspicious unit or range, the
attributes seen with their types, and the plan: requests, duration at --rate, and the architecture
tier for the volume with the flags to use. Invalid rows go to a rejects file in the retry-file format.

Exit codes: 0 every row valid; 1 some rows invalid; 2 bad flags, bad mapping or an unreadable input;
4 interrupted.`

  static override examples = [
    '<%= config.bin %> validate fixtures/people.csv --type people',
    '<%= config.bin %> validate export.csv.gz --type people --mapping mapping.json --rejects-file bad.csv',
    '<%= config.bin %> validate events.ndjson --type events --api v1 --rate 50 --json',
  ]

  static override strict = false
  static override enableJsonFlag = true
  static override args = {
    file: Args.string({required: true, description: 'input files (.csv, .ndjson, .jsonl, optionally .gz); - reads stdin'}),
  }

  static override flags = {
    type: Flags.option({description: 'what the rows are', options: ['people', 'events'] as const, required: true})(),
    format: Flags.option({description: 'input format (default: from the file extension)', options: ['csv', 'ndjson'] as const})(),
    mapping: Flags.string({description: 'JSON mapping file: rename, type, ignore columns; choose the identifier'}),
    api: Flags.option({description: 'plan for v2 batches or v1 one call per row', options: ['v2', 'v1'] as const, default: 'v2' as const})(),
    ...pacingFlags,
    'rejects-file': Flags.string({description: 'where invalid rows go [default: <input>.rejects.<ext> in the current directory]'}),
    'max-body-bytes': Flags.integer({description: 'v2 batch body bytes at most', default: 499_999, min: 1000, max: 511_999, hidden: true}),
  }

  async run(): Promise<ValidationReport> {
    const {argv, flags} = await this.parse(Validate)
    try {
      return await runValidate(
        {
          inputs: argv as string[],
          type: flags.type,
          format: flags.format,
          mapping: flags.mapping,
          api: flags.api,
          rate: flags.rate,
          concurrency: flags.concurrency,
          rejectsFile: flags['rejects-file'],
          maxBodyBytes: flags['max-body-bytes'],
        },
        {log: (line) => this.log(line), json: this.jsonEnabled(), bin: this.config.bin},
      )
    } catch (error) {
      throw asUserError(error)
    }
  }
}
