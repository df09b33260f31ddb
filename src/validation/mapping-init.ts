import {writeFile} from 'node:fs/promises'
import {resolve} from 'node:path'

import {checkColumns, MappingError, parseMappingFile, type MappingFile, type RecordType} from '../mapping/index.js'
import {openSource, type InputFormat} from '../source/index.js'
import {guessMapping, SampleStats} from './mapping-guess.js'

export interface MappingInitOptions {
  input: string
  type: RecordType
  format?: InputFormat
  /** Rows to read at most (default 1000). */
  sample?: number
  output: string
  /** Replace an existing output file. */
  force?: boolean
}

export interface MappingInitResult {
  output: string
  sampledRows: number
  mapping: MappingFile
  decisions: string[]
  /** What must be edited before the file works (no identifier column, no event name...). */
  problems: string[]
}

/**
 * `mapping init`: samples the head of an input, guesses a mapping and writes it as an editable file
 * in the format loadMappingFile reads. The guess is checked with the mapping's own parser and header
 * check before it is written, so what lands on disk is a file import and validate accept.
 */
export async function initMapping(options: MappingInitOptions): Promise<MappingInitResult> {
  const limit = options.sample ?? 1000
  const source = await openSource(options.input, {format: options.format})
  const stats = new SampleStats(source.columns)
  try {
    for await (const record of source.records()) {
      if (record.fields !== null) stats.add(record.fields)
      if (stats.rows >= limit) break
    }
  } finally {
    source.close()
  }

  const name = options.input === '-' ? 'stdin' : options.input
  const guess = guessMapping(options.type, stats, name)
  const output = resolve(options.output)
  const text = `${JSON.stringify(guess.mapping, null, 2)}\n`
  // The same checks --mapping applies: a guess the importer would refuse is a bug here, not the user's to find.
  const mapping = parseMappingFile(JSON.parse(text), output)
  const columns = source.columns ?? [...stats.columns.keys()]
  const problems = [...guess.problems]
  for (const problem of checkColumns({type: options.type, columns, mapping})) {
    if (problem.level === 'error' && !problems.some((p) => p.startsWith(problem.rule === 'identifier_column_missing' ? 'no identifier' : 'no event name'))) {
      problems.push(problem.message)
    }
  }
  try {
    await writeFile(output, text, {flag: options.force ? 'w' : 'wx'})
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') throw new MappingError(`${output} already exists: pass --force to replace it, or --output another path`)
    throw new MappingError(`cannot write ${output} (${code ?? (error as Error).message})`)
  }
  return {output, sampledRows: stats.rows, mapping, decisions: guess.decisions, problems}
}
