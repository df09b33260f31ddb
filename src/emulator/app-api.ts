import type {IncomingMessage} from 'node:http'

import {errorJson, parseJsonBody, readBody} from './http-io.js'
import {isPlainObject} from './validation.js'
import type {PersonView, Workspace} from './workspace.js'

/** The App API read-back routes: one person, or up to 100 by id (cio-api-fidelity.md, App API read-back). */
export type AppRoute = {name: 'person_attributes'; customerId: string} | {name: 'people_attributes'}

export const APP_BATCH_LIMIT = 100
const ID_TYPES = new Set(['id', 'email', 'cio_id'])

export function matchAppRoute(method: string, pathname: string): AppRoute | undefined {
  const parts = pathname.split('/').filter((p) => p !== '')
  if (parts[0] !== 'v1' || parts[1] !== 'customers') return undefined
  if (method === 'POST' && parts.length === 3 && parts[2] === 'attributes') return {name: 'people_attributes'}
  if (method === 'GET' && parts.length === 4 && parts[3] === 'attributes') {
    try {
      return {name: 'person_attributes', customerId: decodeURIComponent(parts[2])}
    } catch {
      return undefined
    }
  }

  return undefined
}

export interface AppAnswer {
  status: number
  body: string
}

/**
 * Values come back as strings, as the App API returns them ("created_at":"1489014595"); objects and
 * arrays as their JSON text (the documented example has none: an emulator choice).
 */
export function asAppValue(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

function customerJson(person: PersonView): {customer: Record<string, unknown>} {
  const attributes: Record<string, string> = {}
  for (const [name, value] of Object.entries(person.attributes)) attributes[name] = asAppValue(value)
  if (person.id !== undefined) attributes.id = person.id
  if (person.email !== undefined) attributes.email = person.email
  attributes.cio_id = person.cio_id
  return {customer: {id: person.id ?? null, attributes, timestamps: {}, unsubscribed: false, devices: []}}
}

function find(workspace: Workspace, idType: string, value: string): PersonView | undefined {
  const kind = idType as 'id' | 'email' | 'cio_id'
  const person = workspace.personBy(kind, kind === 'cio_id' ? value.replace(/^cio_/, '') : value)
  // A suppressed person is a tombstone: production deleted the profile.
  return person && !person.suppressed ? person : undefined
}

const bad = (message: string): AppAnswer => ({status: 400, body: errorJson({meta: {error: message}})})

export async function answerApp(route: AppRoute, req: IncomingMessage, url: URL, workspace: Workspace): Promise<AppAnswer> {
  const idType = url.searchParams.get('id_type') ?? 'id'
  if (!ID_TYPES.has(idType)) return bad(`id_type must be one of id, email or cio_id (phone is not emulated), got "${idType}"`)

  if (route.name === 'person_attributes') {
    const person = find(workspace, idType, route.customerId)
    return person ? {status: 200, body: `${JSON.stringify(customerJson(person))}\n`} : {status: 404, body: errorJson({meta: {error: 'Not Found'}})}
  }

  const read = await readBody(req, 1024 * 1024)
  let body: unknown
  try {
    body = 'body' in read ? parseJsonBody(read.body) : undefined
  } catch {
    body = undefined
  }

  if (!isPlainObject(body) || !Array.isArray(body.ids)) return bad('the body must be {"ids": [...]}')
  const ids = body.ids
  if (ids.length === 0 || ids.length > APP_BATCH_LIMIT) return bad(`ids must hold 1 to ${APP_BATCH_LIMIT} identifiers, got ${ids.length}`)
  if (!ids.every((id) => typeof id === 'string')) return bad('every id must be a string')
  const customers = []
  for (const id of ids as string[]) {
    const person = find(workspace, idType, id)
    if (person) customers.push(customerJson(person))
  }

  return {status: 200, body: `${JSON.stringify({customers})}\n`}
}
