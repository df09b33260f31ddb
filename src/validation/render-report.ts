import {formatDuration, type Plan} from './plan.js'
import type {ValidationReport} from './report.js'

const KIND_TEXT = {
  milliseconds: 'look like Unix milliseconds (Customer.io wants seconds)',
  typedMilliseconds: 'look like Unix milliseconds (import converts them to seconds; check that the source meant milliseconds)',
  far_future: 'are more than a year in the future',
  before_2009: 'are before 2009 (before Customer.io existed)',
} as const

function count(n: number): string {
  return n.toLocaleString('en-US')
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`
}

function where(file: string, line: number, several: boolean): string {
  return several ? `${file} line ${line}` : `line ${line}`
}

/** The human report: counts, problems with their first lines, duplicates, timestamps, attributes, plan. */
export function renderReport(report: ValidationReport, command = 'cio-backfill'): string[] {
  const several = report.files.length > 1
  const out: string[] = []
  for (const file of report.files) {
    const rows = `${plural(file.rows.read, 'row')} read: ${count(file.rows.valid)} valid, ${count(file.rows.invalid)} invalid`
    out.push(`${file.path}${file.format ? ` (${file.format})` : ''}: ${file.error && file.rows.read === 0 ? 'not read' : rows}`)
    if (file.error) out.push(`  error: ${file.error.message}`)
    if (file.rejectsFile) out.push(`  rejects: ${file.rejectsFile}`)
  }
  if (several) out.push(`All files: ${plural(report.rows.read, 'row')} read: ${count(report.rows.valid)} valid, ${count(report.rows.invalid)} invalid`)
  if (report.interrupted) out.push('Interrupted: the counts cover the rows read before Ctrl-C.')

  for (const warning of report.warnings) out.push(`warning (${warning.rule}): ${several ? `${warning.file}: ` : ''}${warning.message}`)
  for (const rule of report.rowWarnings) {
    out.push(`warning (${rule.rule}): ${plural(rule.count, 'row')}`)
    for (const e of rule.examples) out.push(`  ${where(e.file, e.line, several)}: ${e.message}`)
  }

  if (report.invalidByRule.length > 0) {
    out.push('', 'Invalid rows by rule:')
    for (const rule of report.invalidByRule) {
      out.push(`  ${rule.rule}: ${count(rule.count)}`)
      for (const e of rule.examples) out.push(`    ${where(e.file, e.line, several)}: ${e.message}`)
    }
  }

  const dup = report.duplicates
  out.push('')
  if (dup.rows === 0) {
    out.push(dup.key === 'identifier' ? 'Duplicate identifiers: none' : 'Duplicate event ids: none')
  } else {
    out.push(
      dup.key === 'identifier'
        ? `Duplicate identifiers: ${plural(dup.rows, 'row')} repeat an identifier of an earlier row (${plural(dup.keys, 'identifier')} appear more than once; the later row wins)`
        : `Duplicate event ids: ${plural(dup.rows, 'row')} repeat the event_id of an earlier row (${plural(dup.keys, 'id')}; Customer.io keeps only the first)`,
    )
    for (const e of dup.examples) {
      const lines = e.lines.map((l) => where(report.files[l.fileIndex]?.path ?? '?', l.line, several)).join(', ')
      out.push(`  ${lines}${e.rows > e.lines.length ? ` and ${count(e.rows - e.lines.length)} more` : ''}`)
    }
  }

  const emails = report.emailConflicts
  if (report.type === 'people') {
    if (emails.rows === 0) out.push('Emails set by different people: none')
    else {
      out.push(
        `Emails set by different people: ${plural(emails.rows, 'row')} set an email that an earlier row gave another person (${plural(emails.keys, 'email')}).`,
        '  Customer.io will merge or silently not apply these: it answers 200 either way, so import counts them as succeeded.',
      )
      for (const e of emails.examples) {
        const lines = e.lines.map((l) => where(report.files[l.fileIndex]?.path ?? '?', l.line, several)).join(', ')
        out.push(`  ${lines}${e.rows > e.lines.length ? ` and ${count(e.rows - e.lines.length)} more` : ''}`)
      }
    }
  }

  if (report.timestamps.length > 0) {
    out.push('', 'Timestamps that look wrong:')
    for (const column of report.timestamps) {
      for (const s of column.suspicions) {
        const shown = s.examples.map((e) => `${where(e.file, e.line, several)}: ${e.value}`).join('; ')
        const text = s.kind === 'milliseconds' && column.typed ? KIND_TEXT.typedMilliseconds : KIND_TEXT[s.kind]
        out.push(`  ${column.column}: ${plural(s.count, 'value')} of ${count(column.checked)} ${text} (${shown})`)
      }
      if (!column.typed) out.push(`    '${column.column}' is sent as text: type it as "timestamp" in the mapping to send Unix seconds`)
    }
  }

  if (report.attributes.length > 0) {
    out.push('', `Attributes (${report.attributes.length + report.attributesNotListed}):`)
    const width = Math.min(40, Math.max(4, ...report.attributes.map((a) => a.name.length)))
    out.push(`  ${'name'.padEnd(width)}  ${'rows'.padStart(10)}  type`)
    for (const a of report.attributes) {
      const type = a.type === 'mixed' ? `mixed: ${a.types.map((t) => `${t.type} ${count(t.rows)}`).join(', ')}` : a.type
      out.push(`  ${a.name.padEnd(width)}  ${count(a.rows).padStart(10)}  ${type}`)
    }
    if (report.attributesNotListed > 0) out.push(`  ... and ${count(report.attributesNotListed)} more names not listed`)
  }

  out.push('', ...renderPlan(report.plan, command, report))
  out.push('', resultLine(report))
  return out
}

export function renderPlan(plan: Plan, command = 'cio-backfill', report?: ValidationReport): string[] {
  const out: string[] = []
  const what = plan.api === 'v2' ? plural(plan.requests, 'v2 batch request') : plural(plan.requests, 'v1 call')
  const per = plan.api === 'v2' && plan.rowsPerRequest !== null ? `, ${plan.rowsPerRequest} rows each on average` : ''
  const size = plan.avgEntryBytes === null ? '' : `, entries ${count(plan.avgEntryBytes)} bytes on average`
  const basis = plan.basis === 'daily_events' ? `${plural(plan.rows, 'event')} a day` : plural(plan.rows, 'row')
  out.push(`Plan: ${basis} -> ${plan.requestsEstimated ? 'about ' : ''}${what}${per}${size}`)
  out.push(`  Duration at ${plan.rate} req/s: ${formatDuration(plan.durationSeconds)}${plan.basis === 'daily_events' ? ' per day of events' : ''}`)
  const tier = plan.tier
  out.push(`  Tier: ${tier.architecture} (${tier.band} ${plan.basis === 'daily_events' ? 'daily events' : 'rows'}; ${tier.components})`)
  for (const line of tier.advice) out.push(`    ${line}`)
  out.push(`  Shards: ${plan.shards.recommended} (${plan.shards.reason})`)
  const files = report ? report.files.map((f) => f.path).join(' ') : 'FILE'
  const type = report ? report.type : 'people|events'
  const mapping = report?.mapping ? ` --mapping ${report.mapping}` : ''
  out.push(`  Recommended: ${command} import ${files} --type ${type}${mapping} ${tier.recommendedFlags} <target flags>`)
  for (const note of plan.notes) out.push(`  Note: ${note}`)
  return out
}

function resultLine(report: ValidationReport): string {
  switch (report.exitCode) {
    case 0:
      return `Result: every row is valid (exit 0)`
    case 1:
      return `Result: ${plural(report.rows.invalid, 'invalid row')} (exit 1)`
    case 4:
      return `Result: interrupted (exit 4)`
    default:
      return `Result: ${plural(report.files.filter((f) => f.error).length, 'input')} could not be read (exit 2)`
  }
}
