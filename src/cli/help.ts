import {type Command, Help} from '@oclif/core'

import {reflowParagraphs} from './message-text.js'

/**
 * oclif's help, with command descriptions written as paragraphs: the source breaks lines at ~100
 * columns for reading, and oclif would wrap those lines again at the terminal width, leaving every
 * other line short below ~105 columns. Joined first, each paragraph wraps evenly at any width.
 */
export default class CliHelp extends Help {
  override formatCommand(command: Command.Loadable): string {
    return super.formatCommand({...command, description: command.description && reflowParagraphs(command.description)})
  }
}
