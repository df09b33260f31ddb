/** The Track routes the emulator serves, matched on method and decoded path segments. */
export type TrackRoute =
  | {name: 'identify' | 'delete' | 'suppress' | 'unsuppress' | 'track' | 'add_device'; identifier: string}
  | {name: 'delete_device'; identifier: string; deviceId: string}
  | {name: 'anonymous_event'}
  | {name: 'merge'}
  | {name: 'region'}
  | {name: 'entity'}
  | {name: 'batch'}

export interface MatchedRoute {
  route?: TrackRoute
  /** Stats key: the route template, or 'unknown'. */
  label: string
}

export function matchRoute(method: string, pathname: string): MatchedRoute {
  let parts: string[]
  try {
    parts = pathname.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p))
  } catch {
    return {label: 'unknown'}
  }

  const [api, version, resource, identifier, sub, subId] = parts
  if (api !== 'api') return {label: 'unknown'}

  if (version === 'v2' && parts.length === 3 && method === 'POST') {
    if (resource === 'entity') return {route: {name: 'entity'}, label: 'POST /api/v2/entity'}
    if (resource === 'batch') return {route: {name: 'batch'}, label: 'POST /api/v2/batch'}
  }

  if (version !== 'v1') return {label: 'unknown'}

  if (parts.length === 3) {
    if (resource === 'events' && method === 'POST') return {route: {name: 'anonymous_event'}, label: 'POST /api/v1/events'}
    if (resource === 'merge_customers' && method === 'POST') return {route: {name: 'merge'}, label: 'POST /api/v1/merge_customers'}
  }

  if (parts.length === 4 && resource === 'accounts' && identifier === 'region' && method === 'GET') {
    return {route: {name: 'region'}, label: 'GET /api/v1/accounts/region'}
  }

  if (resource !== 'customers' || identifier === undefined) return {label: 'unknown'}

  if (parts.length === 4) {
    if (method === 'PUT') return {route: {name: 'identify', identifier}, label: 'PUT /api/v1/customers/:identifier'}
    if (method === 'DELETE') return {route: {name: 'delete', identifier}, label: 'DELETE /api/v1/customers/:identifier'}
  }

  if (parts.length === 5 && method === 'POST') {
    if (sub === 'events') return {route: {name: 'track', identifier}, label: 'POST /api/v1/customers/:identifier/events'}
    if (sub === 'suppress') return {route: {name: 'suppress', identifier}, label: 'POST /api/v1/customers/:identifier/suppress'}
    if (sub === 'unsuppress') return {route: {name: 'unsuppress', identifier}, label: 'POST /api/v1/customers/:identifier/unsuppress'}
  }

  if (parts.length === 5 && method === 'PUT' && sub === 'devices') {
    return {route: {name: 'add_device', identifier}, label: 'PUT /api/v1/customers/:identifier/devices'}
  }

  if (parts.length === 6 && method === 'DELETE' && sub === 'devices' && subId !== undefined) {
    return {route: {name: 'delete_device', identifier, deviceId: subId}, label: 'DELETE /api/v1/customers/:identifier/devices/:device_id'}
  }

  return {label: 'unknown'}
}
