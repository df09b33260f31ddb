const QUOTE = 0x22
const COMMA = 0x2c

export type SplitResult = {values: string[]} | {error: string}

/**
 * Splits one CSV record's text (framed by RecordFramer, so any quoted field in it is closed) into
 * cell values, unquoting quoted fields and turning "" into ". A quote that neither opens a field nor
 * closes one is an error rather than a guess: csv-parse's relax_quotes silently keeps such rows,
 * which hides broken exports.
 */
export function splitQuotedRecord(text: string): SplitResult {
  const values: string[] = []
  const length = text.length
  let at = 0
  let nextQuote = -2
  for (;;) {
    if (text.charCodeAt(at) === QUOTE) {
      let value = ''
      let from = at + 1
      for (;;) {
        const quote = text.indexOf('"', from)
        if (quote === -1) return {error: `quote opened in field ${values.length + 1} is not closed`}
        if (text.charCodeAt(quote + 1) === QUOTE) {
          value += text.slice(from, quote + 1)
          from = quote + 2
          continue
        }
        value += text.slice(from, quote)
        at = quote + 1
        break
      }
      values.push(value)
      if (at === length) return {values}
      if (text.charCodeAt(at) !== COMMA) {
        return {error: `stray quote: field ${values.length} has text after its closing quote`}
      }
      at += 1
      continue
    }
    const comma = text.indexOf(',', at)
    const end = comma === -1 ? length : comma
    if (nextQuote !== -1 && nextQuote < at) nextQuote = text.indexOf('"', at)
    if (nextQuote !== -1 && nextQuote < end) {
      return {error: `stray quote in field ${values.length + 1}: a quote inside a field needs the whole field quoted and the quote doubled`}
    }
    values.push(text.slice(at, end))
    if (comma === -1) return {values}
    at = comma + 1
  }
}
