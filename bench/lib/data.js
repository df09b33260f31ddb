// Generated inputs for the benchmarks, cached under bench/data/ (gitignored) and reused across runs.
// People: a CSV of 15 attributes plus the id, with unicode, quoted commas, quotes and line breaks.
// Events: NDJSON with a person id, a name, a timestamp and a nested data object.
import {createWriteStream, existsSync} from 'node:fs'
import {mkdir, rename} from 'node:fs/promises'
import {once} from 'node:events'
import {fileURLToPath} from 'node:url'
import {join} from 'node:path'

export const DATA_DIR = fileURLToPath(new URL('../data/', import.meta.url))

export const PEOPLE_COLUMNS = ['id', 'email', 'first_name', 'last_name', 'city', 'country', 'plan', 'created_at',
  'company', 'title', 'phone', 'zip', 'score', 'notes', 'tags', 'newsletter']

export function person(i) {
  return {
    id: String(i).padStart(8, '0'),
    email: `user${i}@example.com`,
    first_name: i % 3 === 0 ? 'Zoë' : 'Jane',
    last_name: i % 5 === 0 ? 'Müller-Łukasiewicz' : 'Doe',
    city: i % 4 === 0 ? 'São Paulo' : 'Berlin',
    country: i % 7 === 0 ? '日本' : 'DE',
    plan: ['free', 'pro', 'team'][i % 3],
    created_at: String(1_600_000_000 + i),
    company: `Acme, Inc. ${i % 100}`,
    title: i % 2 ? 'Engineer' : 'Head of "Growth"',
    phone: `+1555${String(i).padStart(7, '0')}`,
    zip: '02139',
    score: String(i % 1000),
    notes: i % 10 === 0 ? 'first line\nsecond line, with comma' : 'plain note',
    tags: 'a;b;c',
    newsletter: i % 2 ? 'true' : 'false',
  }
}

function csvCell(value) {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

function peopleLine(i) {
  const p = person(i)
  return PEOPLE_COLUMNS.map((c) => csvCell(p[c])).join(',')
}

const EVENT_NAMES = ['page_viewed', 'signed_up', 'purchase', 'plan_changed', 'logged_in']

function eventLine(i, people = 250_000) {
  const p = person(1 + (i % people))
  return JSON.stringify({
    id: p.id,
    name: EVENT_NAMES[i % EVENT_NAMES.length],
    timestamp: 1_700_000_000 + i,
    city: p.city,
    country: p.country,
    plan: p.plan,
    company: p.company,
    title: p.title,
    amount: (i % 10_000) / 100,
    currency: 'EUR',
    url: `https://example.com/pricing?ref=${i % 97}`,
    note: p.notes,
    items: [{sku: `SKU-${i % 500}`, qty: 1 + (i % 3)}],
    first: i % 11 === 0,
    referrer: 'naïve café, “quoted”',
  })
}

/** Path of the cached input of `rows` rows, generating it first when missing. */
export async function ensureData(kind, rows, log = () => {}) {
  await mkdir(DATA_DIR, {recursive: true})
  // 'events-few-people': the same events by 1,000 people, so every batch shares people with the next
  // (a product's event stream); 'events' spreads them over 250,000 people.
  const path = join(DATA_DIR, kind === 'people' ? `people-${rows}.csv` : `${kind}-${rows}.ndjson`)
  if (existsSync(path)) return path
  log(`generating ${path} (${rows.toLocaleString('en')} rows)...`)
  const partial = `${path}.partial`
  const out = createWriteStream(partial, {highWaterMark: 1 << 20})
  if (kind === 'people') out.write(PEOPLE_COLUMNS.join(',') + '\n')
  const lineOf = kind === 'people' ? peopleLine : kind === 'events-few-people' ? (i) => eventLine(i, 1000) : eventLine
  let chunk = ''
  for (let i = 1; i <= rows; i++) {
    chunk += lineOf(i) + '\n'
    if (chunk.length > 1 << 20 || i === rows) {
      if (!out.write(chunk)) await once(out, 'drain')
      chunk = ''
    }
  }

  out.end()
  await once(out, 'finish')
  await rename(partial, path)
  return path
}
