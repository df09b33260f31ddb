#!/usr/bin/env node
// Regenerates README.md's command reference and environment table from the built commands
// (run `npm run readme`, which builds first). `--check` exits 1 instead of writing when stale.
import {readFileSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {commandReference, environmentTable, fillMarkers} from '../dist/cli/command-reference.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const path = `${root}README.md`
const before = readFileSync(path, 'utf8')
const after = fillMarkers(before, {commands: await commandReference(root), env: await environmentTable(root)})
if (process.argv.includes('--check')) {
  if (after !== before) {
    console.error('README.md is stale: run npm run readme')
    process.exit(1)
  }
} else if (after !== before) {
  writeFileSync(path, after)
  console.log('README.md: command reference and environment table regenerated')
} else {
  console.log('README.md is up to date')
}
