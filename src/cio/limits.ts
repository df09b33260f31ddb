/**
 * Customer.io Track API limits, as documented (shared/research/cio-api.md §6.2 and §7).
 * Sizes are UTF-8 byte lengths. Both the importer's rules and the emulator read them from here,
 * so a rehearsal against the emulator rejects exactly what the importer would have rejected.
 */
export const TrackLimits = {
  identifierBytes: 150,
  attributeNameBytes: 150,
  attributeValueBytes: 1000,
  attributesPerCall: 300,
  eventNameBytes: 100,
  eventDataBytes: 100_000,
  entityRequestBytes: 32 * 1024,
  batchRequestBytes: 500 * 1024,
  batchEntryBytes: 32 * 1024,
} as const

/** Crockford base32 ULID: 26 characters, the first no higher than 7 (48-bit time). */
export const ULID_PATTERN = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/i

export function utf8Bytes(value: string): number {
  return Buffer.byteLength(value, 'utf8')
}
