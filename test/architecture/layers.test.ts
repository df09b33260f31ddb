import {readdirSync, readFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {describe, expect, it} from 'vitest'

const SRC = join(import.meta.dirname, '..', '..', 'src')
/** Layers that may depend on the engine, never the other way round. */
const CLI_LAYERS = ['cli', 'commands']

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/from '(\.[^']+)'/g)].map((m) => m[1])
}

function topFolder(file: string): string {
  return relative(SRC, file).split('/')[0]
}

describe('layering', () => {
  const engineFiles = sourceFiles(SRC).filter((f) => !CLI_LAYERS.includes(topFolder(f)) && topFolder(f) !== 'index.ts')

  it('the engine never imports the CLI layer (exit codes and messages belong to the CLI)', () => {
    const offenders = engineFiles.flatMap((file) =>
      importsOf(file)
        .filter((spec) => CLI_LAYERS.some((layer) => new RegExp(`(^|/)${layer}/`).test(spec)))
        .map((spec) => `${relative(SRC, file)} imports ${spec}`),
    )
    expect(offenders).toEqual([])
  })

  it('the engine never imports the emulator (the emulator is a separate module)', () => {
    const offenders = engineFiles
      .filter((file) => topFolder(file) !== 'emulator')
      .flatMap((file) =>
        importsOf(file)
          .filter((spec) => /(^|\/)emulator\//.test(spec))
          .map((spec) => `${relative(SRC, file)} imports ${spec}`),
      )
    expect(offenders).toEqual([])
  })
})
