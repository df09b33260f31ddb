import type {AppCustomer} from './app-api-client.js'
import type {ExpectedPerson, IdType} from './expected-people.js'

export interface AttributeDifference {
  attribute: string
  /** As sent, in the App API's string form; null when the import removed it. */
  sent: string | null
  /** As the App API returned it; null when absent. */
  found: string | null
}

export type PersonVerdict =
  | {person: ExpectedPerson; outcome: 'equal'}
  | {person: ExpectedPerson; outcome: 'missing'}
  | {person: ExpectedPerson; outcome: 'different'; differences: AttributeDifference[]}

/**
 * The App API returns every value as a string ("created_at":"1489014595"): numbers and booleans in
 * their usual text, objects and arrays as JSON (the docs show no example of those: our reading).
 */
export function asAppApiString(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

/** How a returned customer is found again for a requested identifier of this type. */
export function customerKey(idType: IdType, customer: AppCustomer): string | undefined {
  const value = idType === 'id' ? (customer.id ?? customer.attributes.id) : customer.attributes[idType]
  if (value === undefined || value === null) return undefined
  return idType === 'email' ? value.toLowerCase() : value
}

export function requestKey(idType: IdType, value: string): string {
  return idType === 'email' ? value.toLowerCase() : value
}

/** Only what the import set is compared; attributes set elsewhere are none of our business. */
export function compare(person: ExpectedPerson, customer: AppCustomer | undefined): PersonVerdict {
  if (!customer) return {person, outcome: 'missing'}
  const differences: AttributeDifference[] = []
  for (const [attribute, value] of Object.entries(person.attributes)) {
    const removed = value === '' || value === null
    const sent = removed ? null : asAppApiString(value)
    const found = customer.attributes[attribute] ?? null
    const same = attribute === 'email' && sent !== null && found !== null ? sent.toLowerCase() === found.toLowerCase() : sent === found
    if (!same) differences.push({attribute, sent, found})
  }

  return differences.length === 0 ? {person, outcome: 'equal'} : {person, outcome: 'different', differences}
}
