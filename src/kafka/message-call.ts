import type {OperationCall} from '../queue/operation-call.js'

/** A message that cannot become an operation: dead-lettered with this reason. */
export interface Unusable {
  rule: string
  reason: string
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function idText(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

/**
 * Message value -> call. The shape is the seed's: `{type: "identify", userId, payload: attributes}` or
 * `{type: "track", userId | anonymousId, payload: {event | name, properties | data, timestamp, id}}`.
 * Customer.io's rules are applied afterwards by the same checker as the producer's.
 */
export function callOfMessage(value: Buffer | null): OperationCall | Unusable {
  if (value === null) return {rule: 'message_invalid', reason: 'the message has no value (a tombstone)'}
  let json: unknown
  try {
    json = JSON.parse(value.toString('utf8'))
  } catch (error) {
    return {rule: 'message_invalid', reason: `the value is not JSON (${(error as Error).message})`}
  }

  if (!isObject(json)) return {rule: 'message_invalid', reason: 'the value is not a JSON object'}
  const payload = json.payload ?? {}
  if (!isObject(payload)) return {rule: 'message_invalid', reason: 'payload must be a JSON object'}
  const userId = idText(json.userId)
  if (json.type === 'identify') {
    if (userId === undefined) return {rule: 'message_invalid', reason: 'an identify message needs userId (a non-empty string or a number)'}
    return {type: 'identify', userId, attributes: payload}
  }

  if (json.type === 'track') {
    const anonymousId = idText(json.anonymousId)
    if ((userId === undefined) === (anonymousId === undefined)) {
      return {rule: 'message_invalid', reason: 'a track message needs exactly one of userId and anonymousId'}
    }

    const data = payload.properties ?? payload.data
    if (data !== undefined && !isObject(data)) return {rule: 'message_invalid', reason: 'payload.properties (or data) must be a JSON object'}
    const name = payload.event ?? payload.name
    return {
      type: 'track',
      userId,
      anonymousId,
      name: typeof name === 'string' ? name : '',
      data: data as Record<string, unknown> | undefined,
      timestamp: payload.timestamp as number | string | undefined,
      id: payload.id as string | undefined,
    }
  }

  return {rule: 'message_invalid', reason: `type must be "identify" or "track", got ${JSON.stringify(json.type ?? null)}`}
}

export function isUnusable(value: OperationCall | Unusable): value is Unusable {
  return 'reason' in value
}
