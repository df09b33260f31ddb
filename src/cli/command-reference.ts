import {type Command, Config, Help} from '@oclif/core'

/** README markers: what lies between them is generated (`npm run readme`) and a test fails when it is stale. */
export const MARKERS = {
  commands: ['<!-- commands -->', '<!-- commandsstop -->'],
  env: ['<!-- env -->', '<!-- envstop -->'],
} as const

/** Fixed width, so the reference does not depend on the terminal that generated it. */
const WIDTH = 100

class ReferenceHelp extends Help {
  commandText(command: Command.Loadable): string {
    return this.formatCommand(command)
  }
}

/** Variables oclif itself reads, which no flag declares. */
const BUILT_IN_ENV = [{name: 'CIO_BACKFILL_DATA_DIR', flag: '', meaning: 'the data directory: default ledger, spool and load-test records [default: ~/.local/share/cio-backfill]'}]

async function ownCommands(root: string): Promise<{config: Config; commands: Command.Loadable[]}> {
  const config = await Config.load(root)
  const commands = config.commands.filter((c) => c.pluginName === config.name && !c.hidden).sort((a, b) => a.id.localeCompare(b.id))
  return {config, commands}
}

const shown = (config: Config, id: string) => [config.bin, ...id.split(':')].join(' ')

/** Usage, arguments, flags, description and examples of every command, as `--help` prints them. */
export async function commandReference(root: string): Promise<string> {
  const {config, commands} = await ownCommands(root)
  const help = new ReferenceHelp(config, {maxWidth: WIDTH, stripAnsi: true})
  const toc = commands.map((c) => `[\`${shown(config, c.id)}\`](#${shown(config, c.id).replaceAll(' ', '-')})`).join(' · ')
  const sections = commands.map((c) => `### ${shown(config, c.id)}\n\n${c.summary ?? ''}\n\n\`\`\`\n${help.commandText(c).trimEnd()}\n\`\`\``)
  return [toc, ...sections].join('\n\n')
}

/** Every environment variable a flag reads, with the flag and the commands that have it. */
export async function environmentTable(root: string): Promise<string> {
  const {config, commands} = await ownCommands(root)
  const byVar = new Map<string, {flag: string; commands: string[]; meaning: string}>()
  for (const command of commands) {
    for (const [name, flag] of Object.entries(command.flags)) {
      if (!flag.env || flag.hidden) continue
      const entry = byVar.get(flag.env) ?? {flag: `--${name}`, commands: [], meaning: flag.description ?? ''}
      entry.commands.push(shown(config, command.id).slice(config.bin.length + 1))
      byVar.set(flag.env, entry)
    }
  }

  const rows = [...byVar.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, e]) => `| \`${name}\` | \`${e.flag}\` | ${e.commands.join(', ')} | ${e.meaning.replaceAll('|', '\\|')} |`)
  for (const b of BUILT_IN_ENV) rows.push(`| \`${b.name}\` | | all | ${b.meaning} |`)
  return ['| variable | flag | commands | meaning |', '|---|---|---|---|', ...rows].join('\n')
}

/** README text with each marked block replaced by `blocks[key]`. */
export function fillMarkers(readme: string, blocks: Partial<Record<keyof typeof MARKERS, string>>): string {
  let text = readme
  for (const [key, body] of Object.entries(blocks)) {
    const [start, end] = MARKERS[key as keyof typeof MARKERS]
    const from = text.indexOf(start)
    const to = text.indexOf(end)
    if (from < 0 || to < from) throw new Error(`README.md lacks the ${start} ... ${end} markers`)
    text = `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`
  }

  return text
}
