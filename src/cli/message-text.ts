/**
 * Text for the terminal that never breaks inside a word or a path. oclif wraps error messages and
 * help hard at the terminal width (80 in a pipe), which splits `/tmp/.../an` / `d/deeper/...` and
 * makes a copied path or a grepped log line wrong. Here only spaces break lines; a word longer than
 * the width gets a line of its own.
 */
export function wordWrap(text: string, width: number): string[] {
  const lines: string[] = []
  for (const paragraph of text.split('\n')) {
    let line = ''
    for (const word of paragraph.split(' ')) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line)
        line = word
      } else line = line ? `${line} ${word}` : word
    }

    lines.push(line)
  }

  return lines
}

/**
 * Joins the lines of each paragraph (a blank line separates paragraphs) so a renderer can wrap it
 * to the terminal, instead of wrapping lines that were already broken at ~100 columns (ragged text).
 * Indented lines and list items keep their own line.
 */
export function reflowParagraphs(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((paragraph) =>
      paragraph
        .split('\n')
        .reduce<string[]>((lines, line) => {
          const ownLine = /^\s|^[-*] |^\d+[.)] /.test(line)
          if (lines.length === 0 || ownLine) lines.push(line)
          else lines[lines.length - 1] += ` ${line.trim()}`
          return lines
        }, [])
        .join('\n'),
    )
    .join('\n\n')
}

/**
 * An error or warning as oclif lays it out (` ›   Error: ...`), wrapped only between words, and only
 * on a terminal: in a pipe or a log each line of the message stays whole.
 */
export function calloutText(label: string, lines: string[], stream: {isTTY?: boolean; columns?: number}): string {
  const text = `${label}: ${lines.join('\n')}`
  const columns = Number.parseInt(process.env.OCLIF_COLUMNS ?? '', 10) || (stream.isTTY ? stream.columns || 80 : 0)
  const wrapped = columns > 0 ? wordWrap(text, Math.max(20, columns - 6)) : text.split('\n')
  return wrapped.map((line) => ` ›   ${line}`).join('\n')
}
