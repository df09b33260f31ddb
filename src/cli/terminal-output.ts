import {closeSync, openSync, writeSync} from 'node:fs'

/**
 * Output that survives its reader going away. `import ... 2>&1 | tee import.log` and Ctrl-C kills
 * tee with the import; `import ... | head -1` closes the pipe after one line. Node then gets EPIPE
 * on stdout or stderr, and an unheard 'error' event would end the process with exit 1 and no
 * summary. Here a broken stream is an interruption (the session drains and exits 4) and what was
 * meant for it goes to the controlling terminal when there is one, so the summary and the resume
 * line still reach the user.
 */

const broken = new Set<NodeJS.WritableStream>()
let onBroken: (() => void) | null = null
let watching = false

function markBroken(stream: NodeJS.WritableStream): void {
  broken.add(stream)
  onBroken?.()
}

/** Writes straight to the terminal the process was started from; false when it has none (cron, CI). */
function toControllingTerminal(text: string): boolean {
  try {
    const fd = openSync('/dev/tty', 'w')
    try {
      writeSync(fd, text)
    } finally {
      closeSync(fd)
    }

    return true
  } catch {
    return false
  }
}

/**
 * Calls `handler` when stdout or stderr breaks, until the returned function is called. The error
 * listeners stay for the life of the process: a write after the session (oclif's own) must not crash.
 */
export function onOutputBroken(handler: () => void): () => void {
  if (!watching) {
    watching = true
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => markBroken(stream))
  }

  onBroken = handler
  if (broken.size > 0) handler()
  return () => {
    if (onBroken === handler) onBroken = null
  }
}

/** Writes `text` to `stream`, or to the terminal if the stream's reader has gone. */
export function writeOrTerminal(stream: NodeJS.WriteStream, text: string): void {
  if (broken.has(stream) || stream.destroyed) {
    toControllingTerminal(text)
    return
  }

  stream.write(text, (error) => {
    if (!error) return
    markBroken(stream)
    toControllingTerminal(text)
  })
}
