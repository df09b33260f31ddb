import type {Ledger} from '../ledger/ledger.js'
import type {RunFileRecord, RunRecord} from '../ledger/records.js'
import {createMapper, type MappingFile} from '../mapping/index.js'
import {fingerprintInput, openSource} from '../source/index.js'
import {VerifyError} from './errors.js'

export type IdType = 'id' | 'email' | 'cio_id'

/** One person as the import left them: what it set, last row wins, and the rows that set it. */
export interface ExpectedPerson {
  /** The importer's person key, e.g. "id:42", "email:jane@example.com". */
  key: string
  idType: IdType
  /** The identifier as sent. */
  value: string
  /** Attribute values as sent (typed by the mapping), the last row's value for each name. */
  attributes: Record<string, unknown>
  /** The rows that set them, in file order, to write back when the person does not match. */
  rows: Array<{fileIndex: number; line: number; raw: string}>
}

/** Refuses inputs that are not the bytes the run read: the comparison would be meaningless. */
export async function checkInputsUnchanged(files: RunFileRecord[]): Promise<void> {
  for (const file of files) {
    let now
    try {
      now = await fingerprintInput(file.path)
    } catch (error) {
      throw new VerifyError(`${file.displayPath}: ${(error as Error).message}`)
    }

    if (now.size !== file.size || now.headHash !== file.headHash || now.mtimeMs !== file.mtimeMs) {
      throw new VerifyError(`${file.displayPath} changed since the run began (size, modification time or first 64 KiB): verify compares against what was sent, so it needs the same file`)
    }
  }
}

/**
 * Each succeeded row of the run through the run's own reader and mapper (the rules import used),
 * skipping rows the ledger holds as failed or invalid. `visit` sees every mapped person row.
 */
async function eachSentRow(
  ledger: Ledger,
  run: RunRecord,
  visit: (fileIndex: number, line: number, raw: string, key: string, identifiers: Record<string, string>, attributes: Record<string, unknown>) => void,
): Promise<void> {
  for (const file of ledger.runFiles(run.id)) {
    const failed = new Set(ledger.failedLinesFrom(run.id, file.fileIndex, 0))
    const source = await openSource(file.path, {format: file.format})
    const mapper = createMapper({
      type: run.type,
      mapping: (run.config.mapping ?? undefined) as MappingFile | undefined,
      columns: source.columns,
      eventIdSeed: `${file.headHash}:${file.size}`,
      api: run.api,
    })
    for await (const record of source.records()) {
      if (failed.has(record.line)) continue
      const result = mapper.map(record)
      if (!result.ok) continue
      const {entry, personKey} = result.op
      visit(file.fileIndex, record.line, record.raw, personKey, entry.identifiers as Record<string, string>, entry.attributes ?? {})
    }
  }
}

/** First pass: every person the run sent, by key (memory: one string per person). */
export async function personKeys(ledger: Ledger, run: RunRecord): Promise<string[]> {
  const keys = new Set<string>()
  await eachSentRow(ledger, run, (_f, _l, _r, key) => keys.add(key))
  return [...keys]
}

/** Second pass: what the run set on each of `keys`, last row wins. */
export async function expectedPeople(ledger: Ledger, run: RunRecord, keys: Set<string>): Promise<ExpectedPerson[]> {
  const people = new Map<string, ExpectedPerson>()
  await eachSentRow(ledger, run, (fileIndex, line, raw, key, identifiers, attributes) => {
    if (!keys.has(key)) return
    let person = people.get(key)
    if (!person) {
      const [idType, value] = Object.entries(identifiers)[0] as [IdType, string]
      person = {key, idType, value, attributes: {}, rows: []}
      people.set(key, person)
    }

    Object.assign(person.attributes, attributes)
    person.rows.push({fileIndex, line, raw})
  })
  return [...people.values()]
}
