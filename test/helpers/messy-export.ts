/**
 * The "messy export" of issue 12, generated deterministically: `User ID` and `Email` columns, some
 * ids empty (those rows have an email of their own), emails that two different ids set, people
 * exported twice, `signup_date` written MM/DD/YYYY, a few rows with no identifier at all or a date
 * that does not exist, and a mapping with a typo ("Emial") next to the corrected one. Alongside the file
 * it gives the truth computed row by row, which validate, the rehearsal and the import must agree with.
 */

export const MESSY_HEADER = ['User ID', 'Email', 'Name', 'signup_date', 'plan']

export interface MessyTruth {
  rows: number
  valid: number
  invalidByRule: Record<string, number>
  /** Rows that set an email an earlier row of another id set (lines, in input order). */
  emailConflictLines: number[]
  /** Distinct emails with such rows. */
  emailConflictKeys: number
  /** Rows that repeat the identifier of an earlier valid row. */
  duplicateRows: number
  /** line -> the created_at (Unix seconds) that the row sends. */
  createdAt: Map<number, number>
  /** line -> the identifier the row is sent under. */
  identifiers: Map<number, {id: string} | {email: string}>
}

export interface MessyExport {
  csv: string
  /** The mapping as first written: "Emial" is a typo, and only `User ID` identifies people. */
  typoMapping: object
  /** The corrected mapping: `User ID`, else `Email`; signup_date read as MM/DD/YYYY into created_at. */
  mapping: object
  truth: MessyTruth
}

const pad = (n: number) => String(n).padStart(2, '0')

export function messyExport(rows = 400, seed = 12): MessyExport {
  let state = seed >>> 0
  const next = (n: number) => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0
    return (state >>> 8) % n
  }
  const lines: string[] = [MESSY_HEADER.join(',')]
  const truth: MessyTruth = {
    rows,
    valid: 0,
    invalidByRule: {},
    emailConflictLines: [],
    emailConflictKeys: 0,
    duplicateRows: 0,
    createdAt: new Map(),
    identifiers: new Map(),
  }
  const emailOwner = new Map<string, string>()
  const conflicted = new Set<string>()
  const seenKeys = new Set<string>()
  const exported: Array<{id: string; email: string}> = []
  const invalid = (rule: string) => (truth.invalidByRule[rule] = (truth.invalidByRule[rule] ?? 0) + 1)

  for (let i = 0; i < rows; i++) {
    const line = i + 2
    const kind = next(100)
    let id = `u${1000 + i}`
    let email = `user${i}@example.com`
    if (kind < 8) id = '' // no id, but an email of its own
    else if (kind < 14 && exported.length > 0) {
      // A different person exported with someone else's email (shared inbox, stale CRM data).
      email = exported[next(exported.length)].email
    } else if (kind < 18 && exported.length > 0) {
      // The same person exported twice.
      ;({id, email} = exported[next(exported.length)])
    } else if (kind < 20) {
      id = ''
      email = ''
    }
    const month = 1 + next(12)
    const day = 1 + next(28)
    const year = 2015 + next(9)
    const badDate = kind >= 20 && kind < 22
    // February 30th and 31st: written like every other date, but no such day exists.
    const signup = badDate ? `02/${30 + next(2)}/${year}` : `${month}/${pad(day)}/${year}`
    lines.push([id, email, `Person ${i}`, signup, ['free', 'pro', 'team'][next(3)]].join(','))

    if (id === '' && email === '') {
      invalid('identifier_missing')
      continue
    }
    if (badDate) {
      invalid('timestamp_invalid')
      continue
    }
    truth.valid++
    truth.createdAt.set(line, Date.UTC(year, month - 1, day) / 1000)
    const key = id === '' ? `email:${email}` : `id:${id}`
    truth.identifiers.set(line, id === '' ? {email} : {id})
    if (seenKeys.has(key)) truth.duplicateRows++
    seenKeys.add(key)
    if (id === '') continue
    if (!exported.some((p) => p.id === id)) exported.push({id, email})
    const owner = emailOwner.get(email)
    if (owner === undefined) emailOwner.set(email, id)
    else if (owner !== id) {
      truth.emailConflictLines.push(line)
      conflicted.add(email)
    }
  }
  truth.emailConflictKeys = conflicted.size

  const signup = {as: 'created_at', format: 'MM/DD/YYYY'}
  return {
    csv: lines.join('\n') + '\n',
    typoMapping: {version: 1, type: 'people', identifier: {column: 'User ID', type: 'id'}, columns: {Emial: {as: 'email'}, signup_date: signup}},
    mapping: {
      version: 1,
      type: 'people',
      identifier: [
        {column: 'User ID', type: 'id'},
        {column: 'Email', type: 'email'},
      ],
      columns: {signup_date: signup},
    },
    truth,
  }
}
