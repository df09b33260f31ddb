import {execFileSync} from 'node:child_process'

let sessions = 0

/**
 * A real terminal for a test: a detached tmux session of the given size running a bash command.
 * Each has its own tmux server (socket), so tests running at the same time never meet. The
 * command is followed by a marker with its exit code, and the pane stays open to be read.
 */
export class TmuxTerminal {
  private constructor(private readonly socket: string) {}

  static start(command: string, options: {cwd: string; columns?: number; rows?: number}): TmuxTerminal {
    const socket = `cio-test-${process.pid}-${++sessions}-${Date.now()}`
    const script = `cd ${JSON.stringify(options.cwd)} && ${command}; echo "[exit $?]"; exec sleep 600`
    execFileSync('tmux', [
      '-L', socket, '-f', '/dev/null', 'new-session', '-d',
      '-x', String(options.columns ?? 80), '-y', String(options.rows ?? 24),
      'bash', '--noprofile', '--norc', '-c', script,
    ])
    const terminal = new TmuxTerminal(socket)
    // A long history, so lines scrolled off the top can still be read.
    terminal.tmux('set-option', '-g', 'history-limit', '5000')
    return terminal
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8'})
  }

  /**
   * What the screen shows (and its history), trailing blanks trimmed; lines the terminal folded are
   * joined as they were written unless `rows` asks for the screen's own rows.
   */
  screen(options: {rows?: boolean} = {}): string {
    return this.tmux('capture-pane', '-p', ...(options.rows ? [] : ['-J']), '-S', '-')
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n')
  }

  sendKeys(...keys: string[]): void {
    this.tmux('send-keys', ...keys)
  }

  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const screen = this.screen()
      if (pattern.test(screen)) return screen
      if (Date.now() > deadline) throw new Error(`the terminal did not show ${pattern} within ${timeoutMs} ms; it shows:\n${screen}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  /** The exit code the marker shows once the command ended. */
  async exitCode(timeoutMs = 60_000): Promise<number> {
    const screen = await this.waitFor(/\[exit \d+\]/, timeoutMs)
    return Number(/\[exit (\d+)\]/.exec(screen)![1])
  }

  close(): void {
    try {
      this.tmux('kill-server')
    } catch {
      // Already gone.
    }
  }
}
