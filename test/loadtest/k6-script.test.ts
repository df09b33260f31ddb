import {execFileSync} from 'node:child_process'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {DEFAULT_SCENARIO} from '../../src/loadtest/scenario-flags.js'
import {parseStages} from '../../src/loadtest/stages.js'
import {parseThreshold} from '../../src/loadtest/thresholds.js'

const SCRIPT = new URL('../../load-tests/customerio.js', import.meta.url)

/**
 * k6 cannot run here, so the script is checked two ways: `node --check` parses it as an ES module, and
 * a copy whose k6 imports point at small recording stubs is imported and executed, so options,
 * setup(), the default function and teardown() all really run.
 */
const STUBS: Record<string, string> = {
  'k6/http': `export default {
    put: (url, body, params) => { globalThis.__calls.push({method: 'PUT', url, body, params}); return {status: globalThis.__status} },
    post: (url, body, params) => { globalThis.__calls.push({method: 'POST', url, body, params}); return {status: globalThis.__status} },
  }`,
  k6: `export const check = (value, checks) => Object.values(checks).every((fn) => fn(value))`,
  'k6/encoding': `export default {b64encode: (text) => Buffer.from(text).toString('base64')}`,
  'k6/execution': `export default {
    scenario: {get iterationInTest() { return globalThis.__iteration }},
    test: {abort: (message) => { throw new Error('abort: ' + message) }},
  }`,
  'k6/metrics': `export class Counter { constructor(name) { globalThis.__counters[name] = 0; this.name = name }
    add(n) { globalThis.__counters[this.name] += n } }`,
}

interface Globals {
  __ENV: Record<string, string>
  __calls: Array<{method: string; url: string; body: string; params: {headers: Record<string, string>}}>
  __counters: Record<string, number>
  __status: number
  __iteration: number
}

const g = globalThis as unknown as Globals
let dir: string
let script: {
  options: {scenarios: Record<string, any>; thresholds: Record<string, string[]>}
  setup: () => {runId: string}
  default: (data: {runId: string}) => void
  teardown: (data: {runId: string}) => void
}

async function loadCopy(env: Record<string, string>, name: string) {
  g.__ENV = env
  g.__calls = []
  g.__counters = {}
  let source = await readFile(SCRIPT, 'utf8')
  for (const [module, stub] of Object.entries(STUBS)) {
    const file = `stub-${module.replace('/', '-')}.mjs`
    await writeFile(path.join(dir, file), stub)
    source = source.replace(`from '${module}'`, `from './${file}'`)
  }

  expect(source).not.toMatch(/from 'k6/)
  const copy = path.join(dir, `${name}.mjs`)
  await writeFile(copy, source)
  return import(pathToFileURL(copy).href)
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'k6-script-'))
  script = await loadCopy({CUSTOMERIO_SITE_ID: 'site', CUSTOMERIO_TRACK_API_KEY: 'key', CUSTOMERIO_TRACK_URL: 'http://127.0.0.1:9'}, 'local')
})

afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

describe('load-tests/customerio.js', () => {
  it('parses as an ES module (node --check)', () => {
    execFileSync(process.execPath, ['--check', SCRIPT.pathname], {stdio: 'pipe'})
  })

  it('imports k6/encoding, which it uses, and never sleeps', async () => {
    const source = await readFile(SCRIPT, 'utf8')
    expect(source).toMatch(/^import encoding from 'k6\/encoding'$/m)
    expect(source).not.toMatch(/\bsleep\s*\(/)
  })

  it('uses a real executor with the CLI default scenario', () => {
    const scenarios = Object.values(script.options.scenarios)
    expect(scenarios).toHaveLength(1)
    const [scenario] = scenarios
    expect(scenario.executor).toBe('ramping-arrival-rate')
    expect(scenario.timeUnit).toBe('1s')
    expect(scenario.startRate).toBe(Number(DEFAULT_SCENARIO.startRate))
    const stages = parseStages(scenario.stages.map((s: {duration: string; target: number}) => `${s.duration}:${s.target}`).join(','))
    expect(stages).toEqual(parseStages(DEFAULT_SCENARIO.stages))
    expect(scenario.maxVUs).toBe(scenario.preAllocatedVUs)
  })

  it('has thresholds in valid k6 syntax matching the CLI defaults', () => {
    const {thresholds} = script.options
    expect(thresholds.http_req_duration).toEqual([...DEFAULT_SCENARIO.thresholds])
    expect(thresholds.errors).toEqual([`count<${DEFAULT_SCENARIO.maxErrors}`])
    for (const [metric, expressions] of Object.entries(thresholds)) {
      for (const expression of expressions) expect(() => parseThreshold(`${metric} ${expression}`)).not.toThrow()
    }
  })

  it('sends one identify or track per iteration for lt-<run>-<n>, with _load_test and Basic auth', () => {
    const data = script.setup()
    expect(data.runId).toMatch(/^k6[0-9a-z]+$/)
    g.__status = 200
    for (let i = 0; i < 40; i++) {
      g.__iteration = i
      script.default(data)
    }

    expect(g.__calls).toHaveLength(40)
    const kinds = new Set(g.__calls.map((call) => call.method))
    expect(kinds).toEqual(new Set(['PUT', 'POST']))
    for (const [i, call] of g.__calls.entries()) {
      const id = `lt-${data.runId}-${i + 1}`
      expect(call.params.headers.Authorization).toBe(`Basic ${Buffer.from('site:key').toString('base64')}`)
      const body = JSON.parse(call.body)
      if (call.method === 'PUT') {
        expect(call.url).toBe(`http://127.0.0.1:9/api/v1/customers/${id}`)
        expect(body._load_test).toBe(true)
      } else {
        expect(call.url).toBe(`http://127.0.0.1:9/api/v1/customers/${id}/events`)
        expect(body).toMatchObject({name: 'load_test_event', data: {_load_test: true}})
      }
    }

    expect(g.__counters.errors).toBe(0)
  })

  it('counts 429s and missing responses as errors, not 2xx', () => {
    const data = {runId: 'k6x'}
    for (const status of [429, 0, 500, 201]) {
      g.__status = status
      script.default(data)
    }

    expect(g.__counters.errors).toBe(3)
  })

  it("refuses Customer.io's hosts without ALLOW_PRODUCTION=1", async () => {
    const production = await loadCopy({CUSTOMERIO_SITE_ID: 's', CUSTOMERIO_TRACK_API_KEY: 'k'}, 'production')
    expect(() => production.setup()).toThrow(/abort: Refusing to load test https:\/\/track.customer.io/)
    const allowed = await loadCopy({CUSTOMERIO_SITE_ID: 's', CUSTOMERIO_TRACK_API_KEY: 'k', ALLOW_PRODUCTION: '1'}, 'allowed')
    expect(allowed.setup().runId).toMatch(/^k6/)
  })
})
