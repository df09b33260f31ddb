/**
 * Validated, normalised changes to the workspace. v1 routes and v2 entries both turn into these,
 * so every store applies one vocabulary and the semantics live in one place.
 */
export type IdentifierKind = 'id' | 'email' | 'phone' | 'cio_id'

export interface PersonRef {
  kind: IdentifierKind
  /** cio_id without its `cio_` prefix; email as sent (stores compare it case-insensitively). */
  value: string
}

export type ObjectRef = {objectTypeId: string; objectId: string} | {cioObjectId: string}

export interface DeviceInput {
  id: string
  platform?: string
  lastUsed?: number
  attributes?: Record<string, unknown>
}

export interface RelationshipInput {
  object: ObjectRef
  attributes?: Record<string, unknown>
}

export type EventType = 'event' | 'page' | 'screen'

export type Operation =
  | {op: 'identify'; ref: PersonRef; attributes: Record<string, unknown>; updateOnly: boolean; timestamp?: number}
  | {op: 'delete' | 'suppress' | 'unsuppress'; ref: PersonRef}
  | {
      op: 'event'
      ref: PersonRef | null
      anonymousId?: string
      name: string
      type: EventType
      /** Unix seconds as sent; absent means the time of receipt. */
      timestamp?: number
      id?: string
      data: Record<string, unknown>
    }
  | {op: 'add_device'; ref: PersonRef; device: DeviceInput}
  | {op: 'delete_device'; ref: PersonRef; deviceId: string}
  | {op: 'merge'; primary: PersonRef; secondary: PersonRef}
  | {op: 'person_relationships'; add: boolean; ref: PersonRef; relationships: RelationshipInput[]}
  | {op: 'object_identify'; object: ObjectRef; attributes: Record<string, unknown>; people: PersonRef[]}
  | {op: 'object_identify_anonymous'; object: ObjectRef; anonymousId: string; attributes: Record<string, unknown>}
  | {op: 'object_delete'; object: ObjectRef}
  | {op: 'object_relationships'; add: boolean; object: ObjectRef; people: PersonRef[]}
  | {op: 'delivery_event'; deliveryId: string; name: string}

/** An error found while applying; the request reports it like a validation error. */
export interface ApplyError {
  reason: string
  field: string
  message: string
}

/**
 * What production does without saying so (cio-fidelity: the Track spec answers these with 200):
 * `merged` a new path identifier joined the person who owns a body identifier (applied);
 * `not_applied` an attribute update failure (path and body name different people; nothing written);
 * `dropped` an unknown or deleted cio_id; `ignored` a call about a suppressed person.
 */
export type SilentKind = 'merged' | 'not_applied' | 'dropped' | 'ignored'

export interface SilentOutcome {
  silent: SilentKind
  /** The identifier the call named, e.g. "id:42", "email:a@b.io", "cio_id:a3000001". */
  identifier: string
  /** What happened, for people. */
  detail: string
}

/** The result of applying one operation: nothing to say, an error the response reports, or a silent outcome. */
export type ApplyResult = ApplyError | SilentOutcome | undefined

export function isApplyError(result: ApplyResult): result is ApplyError {
  return result !== undefined && 'reason' in result
}
