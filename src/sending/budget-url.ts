import {createHash} from 'node:crypto'

/** Where a shared budget lives: redis://[user:pass@]host:port[/db] or rediss:// (TLS). */
export function checkBudgetUrl(url: string): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Error(`--budget must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379, got "${redactBudgetUrl(url)}"`)
  }

  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`--budget must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379, got "${redactBudgetUrl(url)}"`)
  }

  const db = parsed.pathname.replace(/^\//, '')
  if (db !== '' && !/^\d+$/.test(db)) throw new Error(`--budget: the database in ${redactBudgetUrl(url)} must be a number`)
  return parsed
}

/** The URL without its user name and password: the only form that may be printed, logged or stored. */
export function redactBudgetUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (!parsed.username && !parsed.password) return parsed.toString()
    parsed.username = ''
    parsed.password = ''
    return parsed.toString().replace('//', '//***@')
  } catch {
    // Not a URL: cut anything that looks like credentials before an @.
    return url.replace(/\/\/[^@/]*@/, '//***@')
  }
}

/**
 * The Redis key prefix of one workspace's budget: everything that sends to the same Track host and
 * site id shares it. Hashed so the key says nothing about the workspace; never involves the API key.
 * The braces are a Redis Cluster hash tag: both keys of a budget land on one node.
 */
export function budgetKeyFor(target: {host: string; siteId: string}, name?: string): string {
  const id = name ?? createHash('sha256').update(`${target.host.replace(/\/+$/, '')}\n${target.siteId}`).digest('hex').slice(0, 24)
  return `cio-backfill:budget:{${id}}`
}
