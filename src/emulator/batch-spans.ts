/**
 * Byte length of each element of the top-level `batch` array, read from the raw body in one
 * pass. This gives the 32 KB per-entry check its numbers without serialising every entry again.
 * Returns the spans of the last `batch` key, as JSON.parse keeps the last duplicate key too.
 */
export function batchEntrySpans(raw: Uint8Array): number[] {
  let spans: number[] = []
  let depth = 0
  let inString = false
  let escaped = false
  let stringStart = 0
  let lastString = ''
  let key = ''
  let inBatch = false
  let entryStart = -1
  let lastByte = -1

  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]
    if (inString) {
      if (escaped) escaped = false
      else if (c === 0x5c) escaped = true
      else if (c === 0x22) {
        inString = false
        if (depth === 1) lastString = Buffer.from(raw.buffer, raw.byteOffset + stringStart, i - stringStart).toString('utf8')
        lastByte = i
      }

      continue
    }

    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue
    if (inBatch && depth === 2 && entryStart < 0 && c !== 0x2c && c !== 0x5d) entryStart = i

    switch (c) {
      case 0x22:
        inString = true
        stringStart = i + 1
        break
      case 0x3a:
        if (depth === 1) key = lastString
        break
      case 0x7b:
        depth++
        break
      case 0x5b:
        depth++
        if (depth === 2 && key === 'batch') {
          inBatch = true
          spans = []
          entryStart = -1
        }

        break
      case 0x2c:
        if (inBatch && depth === 2) {
          spans.push(lastByte - entryStart + 1)
          entryStart = -1
        }

        if (depth === 1) key = ''
        break
      case 0x5d:
      case 0x7d:
        if (inBatch && depth === 2 && c === 0x5d) {
          if (entryStart >= 0) spans.push(lastByte - entryStart + 1)
          inBatch = false
        }

        depth--
        break
    }

    lastByte = i
  }

  return spans
}
