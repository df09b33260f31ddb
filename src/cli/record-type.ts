import {Errors} from '@oclif/core'

import {loadMappingFile, type RecordType} from '../mapping/index.js'
import {ExitCode} from './exit-codes.js'

/**
 * --type, or else the "type" the mapping file was written for: a mapping made by `mapping init`
 * names it, and asking for it again only invites a mismatch.
 */
export async function resolveRecordType(flagType: RecordType | undefined, mappingPath: string | undefined): Promise<RecordType> {
  if (flagType) return flagType
  const mapping = mappingPath ? await loadMappingFile(mappingPath) : undefined
  if (mapping?.type) return mapping.type
  const where = mappingPath ? ` (${mappingPath} has no "type")` : ''
  throw new Errors.CLIError(`Missing --type people|events${where}: say what the rows are, or give a --mapping file that names its "type".`, {exit: ExitCode.Usage})
}
