import {ULID_PATTERN} from '../cio/limits.js'
import {
  EVENT_IDENTIFIERS,
  EVENT_NAME_FIELDS,
  inferValueType,
  PEOPLE_IDENTIFIERS,
  RETRY_COLUMNS,
  type ColumnSpec,
  type MappingFile,
  type MappingIdentifierType,
  type RecordType,
  type ValueType,
} from '../mapping/index.js'

/** What a sample says about one column. */
export interface ColumnStats {
  name: string
  /** Sampled rows with a non-empty value. */
  filled: number
  types: Map<ValueType, number>
  /** Distinct values seen (the sample is bounded, so this is too). */
  distinct: Set<string>
  emailLike: number
  ulids: number
  objects: number
  /** Values written as day/month dates (3/7/2021, 03.07.2021 14:05) in one consistent shape. */
  dates: number
  /** The largest first and second numbers of those dates: above 12 tells the day from the month. */
  dateFirstMax: number
  dateSecondMax: number
  /** Separator and time part of the first such date; later dates must match it. */
  dateShape: string | undefined
  /** Identifier-like columns only: the sampled rows (0-based) where the column is empty, to plan fallbacks. */
  emptyRows: number[] | undefined
}

export interface Guess {
  mapping: MappingFile
  /** What was guessed, for people to read: "identifier: column 'Customer No' (id)". */
  decisions: string[]
  /** Things the guess could not settle; the file needs editing before use. */
  problems: string[]
}

const normalise = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '')

const ID_NAMES = new Set([
  'userid', 'customerid', 'customerno', 'customernumber', 'contactid', 'personid', 'memberid', 'accountid', 'externalid',
  'uid', 'uuid', 'clientid', 'subscriberid', 'leadid', 'profileid', 'distinctid', 'crmid', 'identifier',
])
const EMAIL_NAMES = new Set(['emailaddress', 'mail', 'email', 'useremail', 'contactemail', 'primaryemail', 'emailid'])
const ANONYMOUS_NAMES = new Set(['anonymousid', 'anonid', 'deviceid', 'visitorid'])
const CREATED_NAMES = new Set(['createdat', 'created', 'signupdate', 'signedup', 'signedupat', 'signupat', 'registeredat', 'registrationdate', 'datecreated', 'createdon', 'joinedat', 'joined', 'createddate'])
const EVENT_NAME_NAMES = new Set(['eventname', 'eventtype', 'type', 'action', 'eventaction', 'activity'])
const TIMESTAMP_NAMES = new Set(['time', 'ts', 'occurred', 'occurredat', 'at', 'when', 'eventat', 'eventtime', 'eventdate', 'date', 'datetime', 'createdat', 'sentat', 'receivedat', 'timestampms', 'eventtimestamp', 'happenedat'])
const DATA_NAMES = new Set(['properties', 'props', 'eventproperties', 'eventdata', 'payload', 'attributes'])
const EVENT_ID_NAMES = new Set(['eventid', 'messageid', 'dedupeid', 'insertid'])

/** Collects per-column statistics from sampled rows (CSV cells or NDJSON top-level values). */
export class SampleStats {
  readonly columns = new Map<string, ColumnStats>()
  rows = 0

  constructor(header: readonly string[] | null) {
    for (const name of header ?? []) this.column(name)
  }

  add(fields: Record<string, unknown>): void {
    const row = this.rows
    for (const stats of this.columns.values()) {
      if (stats.emptyRows !== undefined && !(stats.name in fields)) stats.emptyRows.push(row)
    }
    for (const name in fields) {
      const value = fields[name]
      const stats = this.column(name)
      // Whitespace is no identifier (as the mapper reads it), though it is a filled cell for typing.
      if (stats.emptyRows !== undefined && (value === null || value === undefined || (typeof value === 'string' && value.trim() === ''))) {
        stats.emptyRows.push(row)
      }
      if (value === '' || value === null || value === undefined) continue
      countDate(stats, value)
      stats.filled++
      const type = inferValueType(value)
      stats.types.set(type, (stats.types.get(type) ?? 0) + 1)
      const text = typeof value === 'string' ? value : JSON.stringify(value)
      stats.distinct.add(text)
      if (typeof value === 'string' && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) stats.emailLike++
      if (typeof value === 'string' && ULID_PATTERN.test(value)) stats.ulids++
      if (typeof value === 'object' && !Array.isArray(value) && type === 'json') stats.objects++
      else if (type === 'json' && typeof value === 'string' && value.trimStart().startsWith('{')) stats.objects++
    }
    this.rows++
  }

  private column(name: string): ColumnStats {
    let stats = this.columns.get(name)
    if (stats === undefined) {
      const n = normalise(name)
      const identifierLike = ID_NAMES.has(n) || EMAIL_NAMES.has(n) || n.endsWith('id') || n.includes('email')
      stats = {
        name,
        filled: 0,
        types: new Map(),
        distinct: new Set(),
        emailLike: 0,
        ulids: 0,
        objects: 0,
        dates: 0,
        dateFirstMax: 0,
        dateSecondMax: 0,
        dateShape: undefined,
        // Rows before this column first appeared (NDJSON) had it empty.
        emptyRows: identifierLike ? Array.from({length: this.rows}, (_, i) => i) : undefined,
      }
      this.columns.set(name, stats)
    }
    return stats
  }
}

const DAY_MONTH_DATE = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})( \d{1,2}:\d{2}(?::\d{2})?)?$/

/** Counts a value written as a day/month date (either order); its shape must match the column's first. */
function countDate(stats: ColumnStats, value: unknown): void {
  if (typeof value !== 'string') return
  const match = DAY_MONTH_DATE.exec(value.trim())
  if (match === null) return
  const time = match[5] === undefined ? '' : match[5].split(':').length === 3 ? ' HH:mm:ss' : ' HH:mm'
  const shape = `${match[2]}${time}`
  stats.dateShape ??= shape
  if (stats.dateShape !== shape) return
  stats.dates++
  stats.dateFirstMax = Math.max(stats.dateFirstMax, Number(match[1]))
  stats.dateSecondMax = Math.max(stats.dateSecondMax, Number(match[3]))
}

/**
 * The format of a column whose every sampled value is a day/month date, and whether the sample could
 * not tell day from month (every number 12 or less: then MM/DD, the US order, is assumed).
 */
export function dateFormatOf(stats: ColumnStats): {format: string; ambiguous: boolean} | undefined {
  if (stats.filled === 0 || stats.dates !== stats.filled || stats.dateShape === undefined) return undefined
  const separator = stats.dateShape[0]
  const time = stats.dateShape.slice(1)
  if (stats.dateFirstMax > 12 && stats.dateSecondMax > 12) return undefined
  const dayFirst = stats.dateFirstMax > 12
  const order = dayFirst ? ['DD', 'MM'] : ['MM', 'DD']
  return {format: `${order[0]}${separator}${order[1]}${separator}YYYY${time}`, ambiguous: stats.dateFirstMax <= 12 && stats.dateSecondMax <= 12}
}

function only(stats: ColumnStats, type: ValueType): boolean {
  return stats.filled > 0 && stats.types.get(type) === stats.filled
}

function describe(stats: ColumnStats, rows: number): string {
  if (stats.filled === 0) return `empty in all ${rows} sampled rows`
  const types = [...stats.types.entries()].sort((a, b) => b[1] - a[1]).map(([t, n]) => (stats.types.size === 1 ? t : `${t} ${n}`))
  return `${types.join(', ')}; filled in ${stats.filled} of ${rows} sampled rows`
}

/**
 * Guesses an editable mapping from a sample: the identifier column when none of the standard names
 * is present, renames onto created_at / name / timestamp / data / event_id, and a type for columns
 * whose every sampled value has one. Every column gets an entry with a comment saying what was seen,
 * so the file is a checklist to edit (add "ignore": true, fix a type).
 */
export function guessMapping(type: RecordType, sample: SampleStats, sourceName: string): Guess {
  const decisions: string[] = []
  const problems: string[] = []
  const all = [...sample.columns.values()].filter((c) => !RETRY_COLUMNS.has(c.name))
  const names = new Set(all.map((c) => c.name))
  const columns: Record<string, ColumnSpec> = {}
  const claimed = new Set<string>()
  const mapping: MappingFile = {
    version: 1,
    type,
    comment: `Generated by cio-backfill mapping init from ${sourceName} (${sample.rows} sampled rows). Check every entry, then pass it with --mapping.`,
  }

  const standardIds: readonly string[] = type === 'people' ? PEOPLE_IDENTIFIERS : EVENT_IDENTIFIERS
  const present = standardIds.filter((n) => names.has(n))
  if (present.length > 0) {
    decisions.push(`identifier: the first non-empty of ${present.map((n) => `'${n}'`).join(', ')} (the standard columns; set "identifier" to use one column only)`)
    for (const n of present) claimed.add(n)
  } else {
    const chosen = pickIdentifier(type, all, sample.rows)
    if (chosen) {
      claimed.add(chosen.column)
      const fallback = pickFallback(type, all, sample.columns.get(chosen.column)!)
      if (fallback === undefined) {
        mapping.identifier = chosen
        decisions.push(`identifier: column '${chosen.column}' (${chosen.type})`)
        const empty = sample.columns.get(chosen.column)!.emptyRows?.length ?? 0
        if (empty > 0) decisions.push(`check: '${chosen.column}' is empty in ${empty} of ${sample.rows} sampled rows; they will be rejected (identifier_missing)`)
      } else {
        const {choice, empty, rescued} = fallback
        mapping.identifier = [chosen, choice]
        claimed.add(choice.column)
        decisions.push(
          `identifier: column '${chosen.column}' (${chosen.type}), else '${choice.column}' (${choice.type}) where it is empty: '${chosen.column}' is empty in ${empty} of ${sample.rows} sampled rows, which would otherwise be rejected (identifier_missing); '${choice.column}' identifies ${rescued} of them`,
        )
      }
    } else {
      problems.push(`no identifier column found: set "identifier": {"column": "...", "type": "id"} (or "email"${type === 'events' ? ', "anonymous_id"' : ''})`)
    }
  }

  const rename = (target: string, wanted: Set<string>, accept: (c: ColumnStats) => boolean, spec: Omit<ColumnSpec, 'as'> = {}) => {
    if (names.has(target)) return
    const found = all.find((c) => !claimed.has(c.name) && wanted.has(normalise(c.name)) && accept(c))
    if (!found) return
    claimed.add(found.name)
    columns[found.name] = withFormat(found, {as: target, ...spec, comment: describe(found, sample.rows)})
    decisions.push(`renamed: '${found.name}' -> ${target}`)
  }
  const looksLikeTime = (c: ColumnStats) => only(c, 'timestamp') || dateFormatOf(c) !== undefined
  const formatted = new Set<string>()
  /** Adds the declared format of a day/month date column, and says when the sample could not tell day from month. */
  const withFormat = (c: ColumnStats, spec: ColumnSpec): ColumnSpec => {
    const date = dateFormatOf(c)
    if (date === undefined) return spec
    formatted.add(`${c.name} ${date.format}`)
    if (date.ambiguous) decisions.push(`check: '${c.name}' has no day above 12 in the sample, so ${date.format} is assumed: change "format" if the day comes first`)
    return {...spec, type: 'timestamp', format: date.format}
  }

  if (type === 'people') {
    rename('email', EMAIL_NAMES, (c) => c.filled > 0 && c.emailLike === c.filled)
    rename('created_at', CREATED_NAMES, looksLikeTime, {type: 'timestamp'})
  } else {
    if (!EVENT_NAME_FIELDS.some((n) => names.has(n))) {
      rename('name', EVENT_NAME_NAMES, (c) => c.filled > 0 && only(c, 'string'))
      if (!Object.values(columns).some((s) => s.as === 'name')) problems.push(`no event name column found: rename one to "name" ({"as": "name"})`)
    }
    rename('timestamp', TIMESTAMP_NAMES, looksLikeTime)
    // No telling name: the one column that holds nothing but dates is the event's time.
    const dates = all.filter((c) => !claimed.has(c.name) && looksLikeTime(c))
    if (dates.length === 1) rename('timestamp', new Set([normalise(dates[0].name)]), looksLikeTime)
    rename('data', DATA_NAMES, (c) => c.filled > 0 && c.objects === c.filled, {type: 'json'})
    rename('event_id', EVENT_ID_NAMES, (c) => c.filled > 0 && c.ulids === c.filled)
  }

  const typed: string[] = []
  const ordered: Record<string, ColumnSpec> = {}
  for (const c of all) {
    if (columns[c.name] !== undefined) {
      ordered[c.name] = columns[c.name]
      continue
    }
    let spec: ColumnSpec = {}
    if (!claimed.has(c.name) && !isStandard(type, c.name) && dateFormatOf(c) !== undefined) {
      spec = withFormat(c, spec)
    } else if (!claimed.has(c.name) && !isStandard(type, c.name)) {
      for (const t of ['timestamp', 'number', 'boolean', 'json'] as const) {
        if (only(c, t)) {
          spec.type = t
          typed.push(`${c.name} ${t}`)
          break
        }
      }
    }
    spec.comment = describe(c, sample.rows)
    ordered[c.name] = spec
  }
  if (typed.length > 0) decisions.push(`typed: ${typed.join(', ')}`)
  if (formatted.size > 0) decisions.push(`dates: ${[...formatted].join(', ')}`)
  // Header order, so the file reads like the input.
  mapping.columns = ordered
  return {mapping, decisions, problems}
}

/** Columns the mapping already understands by name; they are never typed. */
function isStandard(type: RecordType, name: string): boolean {
  if (type === 'people') return (PEOPLE_IDENTIFIERS as readonly string[]).includes(name) || name === 'created_at'
  return (
    (EVENT_IDENTIFIERS as readonly string[]).includes(name) ||
    (EVENT_NAME_FIELDS as readonly string[]).includes(name) ||
    name === 'timestamp' ||
    name === 'event_id' ||
    name === 'data'
  )
}

/**
 * When the primary identifier column is empty in some sampled rows: the identifier-like column that
 * identifies most of those rows, to list after it (the first non-empty one identifies the row).
 */
function pickFallback(
  type: RecordType,
  columns: ColumnStats[],
  primary: ColumnStats,
): {choice: {column: string; type: MappingIdentifierType}; empty: number; rescued: number} | undefined {
  const empty = primary.emptyRows
  if (empty === undefined || empty.length === 0) return undefined
  let best: {choice: {column: string; type: MappingIdentifierType}; empty: number; rescued: number} | undefined
  for (const c of columns) {
    if (c === primary || c.emptyRows === undefined || c.filled === 0) continue
    const n = normalise(c.name)
    let idType: MappingIdentifierType
    if (EMAIL_NAMES.has(n) || n.includes('email') || c.emailLike === c.filled) idType = 'email'
    else if (type === 'events' && ANONYMOUS_NAMES.has(n)) idType = 'anonymous_id'
    else if (ID_NAMES.has(n) || n.endsWith('id')) idType = 'id'
    else continue
    const alsoEmpty = new Set(c.emptyRows)
    const rescued = empty.filter((row) => !alsoEmpty.has(row)).length
    if (rescued > 0 && (best === undefined || rescued > best.rescued)) best = {choice: {column: c.name, type: idType}, empty: empty.length, rescued}
  }
  return best
}

/** A column named like an identifier, or one whose sampled values are all present, distinct e-mail addresses. */
function pickIdentifier(type: RecordType, columns: ColumnStats[], rows: number): {column: string; type: MappingIdentifierType} | undefined {
  let best: {column: string; type: MappingIdentifierType; score: number} | undefined
  for (const c of columns) {
    if (c.filled === 0) continue
    const n = normalise(c.name)
    const unique = c.distinct.size === c.filled
    const full = c.filled === rows
    const emails = c.emailLike === c.filled
    let idType: MappingIdentifierType | undefined
    let score = 0
    if (EMAIL_NAMES.has(n) || (n.includes('email') && emails)) {
      idType = 'email'
      score = 3
    } else if (type === 'events' && ANONYMOUS_NAMES.has(n)) {
      idType = 'anonymous_id'
      score = 2
    } else if (ID_NAMES.has(n) || (n.endsWith('id') && n.length > 2)) {
      idType = 'id'
      score = ID_NAMES.has(n) ? 4 : 2
    } else if (emails && unique) {
      idType = 'email'
      score = 1
    }
    if (idType === undefined) continue
    if (full) score += 2
    // People are one row each; events repeat their person, so uniqueness only counts for people.
    if (type === 'people' && unique) score += 2
    if (!best || score > best.score) best = {column: c.name, type: idType, score}
  }
  return best && {column: best.column, type: best.type}
}
