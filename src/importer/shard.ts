/**
 * `--shard I/N`: which rows of the input this process sends. A row belongs to the shard its person
 * hashes to (the identifier the mapping picks, normalised, e.g. "id:42", "email:jane@example.com";
 * anonymous events by "anon:<anonymous_id>"), so every row of a person goes through one process and
 * "last row wins" holds across shards; that includes a person's rows that break another rule. Rows
 * with no usable identifier have no person: they belong to a shard by their line. Either way each row
 * lands in exactly one shard (sent, or in its retry file).
 */
export interface ShardSpec {
  /** 0-based. */
  index: number
  count: number
}

export const MAX_SHARDS = 1024

export function parseShard(text: string): ShardSpec {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim())
  if (!match) throw new Error(`--shard must be I/N (0-based), e.g. 0/2 or 3/8; got "${text}"`)
  const index = Number(match[1])
  const count = Number(match[2])
  if (count < 1 || count > MAX_SHARDS) throw new Error(`--shard ${text}: N must be between 1 and ${MAX_SHARDS}`)
  if (index >= count) throw new Error(`--shard ${text}: I counts from 0, so it must be below N (${count})`)
  return {index, count}
}

export function shardLabel(shard: ShardSpec): string {
  return `${shard.index}/${shard.count}`
}

export function sameShard(a: ShardSpec | null | undefined, b: ShardSpec | null | undefined): boolean {
  return (a?.index ?? null) === (b?.index ?? null) && (a?.count ?? null) === (b?.count ?? null)
}

/**
 * FNV-1a (32 bits) over the key's UTF-16 code units, then murmur3's finaliser: stable across versions
 * and machines, and cheap. The finaliser matters: FNV-1a's low bits are weak (its lowest bit is only
 * the parity of the input), and `% N` for a power of two reads exactly those bits.
 */
export function shardOfKey(personKey: string, count: number): number {
  let h = 0x811c9dc5
  for (let i = 0; i < personKey.length; i++) {
    h ^= personKey.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }

  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return (h >>> 0) % count
}

export function ownsPerson(shard: ShardSpec, personKey: string): boolean {
  return shardOfKey(personKey, shard.count) === shard.index
}

export function ownsInvalidLine(shard: ShardSpec, line: number): boolean {
  return line % shard.count === shard.index
}
