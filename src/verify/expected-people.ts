import {forEachSentRow} from '../importer/sent-rows.js'
import type {Ledger} from '../ledger/ledger.js'
import type {RunFileRecord, RunRecord} from '../ledger/records.js'
import {fingerprintInput} from '../source/index.js'
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

/** First pass: every person the run sent, by key (memory: one string per person). */
export async function personKeys(ledger: Ledger, run: RunRecord): Promise<string[]> {
  const keys = new Set<string>()
  await forEachSentRow(ledger, run, (row) => keys.add(row.op.personKey))
  return [...keys]
}

/** Second pass: what the run set on each of `keys`, last row wins. */
export async function expectedPeople(ledger: Ledger, run: RunRecord, keys: Set<string>): Promise<ExpectedPerson[]> {
  const people = new Map<string, ExpectedPerson>()
  await forEachSentRow(ledger, run, ({fileIndex, line, raw, op}) => {
    const key = op.personKey
    if (!keys.has(key)) return
    const identifiers = op.entry.identifiers as Record<string, string>
    const attributes = op.entry.attributes ?? {}
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
