import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {inputArgs, inputFlags, pacingFlags, tuningFlags} from '../cli/import-flags.js'
import {resolveRecordType} from '../cli/record-type.js'
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
  static override args = inputArgs
  static override flags = {
    ...inputFlags,
    ...pacingFlags,
    'rejects-file': Flags.string({description: 'where invalid rows go [default: <input>.rejects.<ext> in the current directory]'}),
    'max-body-bytes': tuningFlags['max-body-bytes'],
  }

  async run(): Promise<ValidationReport> {
    const {argv, flags} = await this.parse(Validate)
    try {
      return await runValidate(
        {
          inputs: argv as string[],
          type: await resolveRecordType(flags.type, flags.mapping),
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
