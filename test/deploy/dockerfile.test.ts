import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {ROOT} from '../helpers/cli.js'

// No Docker engine runs on our machines, so the image cannot be built here. These checks keep the Dockerfile
// consistent with what the CLI needs (package.json, bin/, the built dist/) and with the Node we test on.
const dockerfile = readFileSync(join(ROOT, 'deploy', 'Dockerfile'), 'utf8')
const dockerignore = readFileSync(join(ROOT, 'deploy', 'Dockerfile.dockerignore'), 'utf8')
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))

/** Instructions with continuation lines joined and comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'))
const stages = dockerfile.split(/^FROM /m).slice(1).map((s) => `FROM ${s}`)
const runtime = stages.at(-1)!

describe('deploy/Dockerfile', () => {
  it('builds and runs on the Node major that package.json declares and CI tests on', () => {
    const froms = instructions.filter((l) => l.startsWith('FROM ')).map((l) => /node:(\d+)/.exec(l)?.[1])
    expect(froms.length).toBeGreaterThanOrEqual(2)
    const declared = /(\d+)/.exec(pkg.engines.node)![1]
    const tested = process.versions.node.split('.')[0]
    for (const major of froms) {
      expect(major).toBe(declared)
      expect(major).toBe(tested)
    }
  })

  it('is multi-stage: the toolchain and devDependencies stay in the build stage', () => {
    expect(stages[0]).toMatch(/npm ci\b/)
    expect(stages[0]).toMatch(/npm run build/)
    expect(stages[0]).toMatch(/npm prune --omit=dev/)
    // The runtime is the slim image: no compiler, no npm install there.
    expect(runtime).toMatch(/^FROM node:\d+-\w+-slim/)
    expect(runtime).not.toMatch(/npm (ci|install)/)
  })

  it('copies everything the CLI needs to start: package.json (oclif reads its commands from it), bin/run.js, dist, production node_modules', () => {
    expect(pkg.oclif.commands).toBe('./dist/commands')
    expect(pkg.bin['cio-backfill']).toBe('./bin/run.js')
    for (const path of ['package.json', 'node_modules', 'dist', 'bin/run.js']) {
      expect(runtime, path).toMatch(new RegExp(`COPY .*${path.replace('.', '\\.')}`))
    }

    expect(runtime).toMatch(/ENTRYPOINT \["node", "\/app\/bin\/run\.js"\]/)
  })

  it('sends the build context it copies, and nothing else (no ledgers, retry files or .env files)', () => {
    const allowed = dockerignore
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1))
    expect(dockerignore.split('\n')).toContain('*')
    const copiedFromContext = instructions
      .filter((l) => l.startsWith('COPY ') && !l.includes('--from='))
      .flatMap((l) => l.split(/\s+/).slice(1, -1))
    for (const source of copiedFromContext) {
      expect(allowed.some((pattern) => pattern === source || pattern.startsWith(`${source}/`)), source).toBe(true)
    }
  })

  it('runs as a non-root user with no secret baked in', () => {
    const users = instructions.filter((l) => l.startsWith('USER '))
    expect(users.at(-1)).toMatch(/^USER (?!root\b|0\b)\w+/)
    const env = instructions.filter((l) => l.startsWith('ENV ') || l.startsWith('ARG ')).join('\n')
    expect(env).not.toMatch(/API_KEY|SITE_ID|PASSWORD|SECRET|TOKEN|BUDGET_URL|REDIS_URL/)
  })
})
