import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {parse} from 'csv-parse/sync'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {RunningEmulator} from '../../src/emulator/index.js'
import {parseJson, runCli} from '../helpers/cli.js'
import {closeEmulatorAndDir, emulatorAndDir, targetArgs, type TempDir} from '../helpers/emulator.js'

/**
 * A Track API stand-in that keeps every request body byte for byte: the emulator parses bodies with
 * JSON.parse, which is exactly the rounding these tests must rule out on our side of the wire.
 */
async function captureServer(): Promise<{url: string; bodies: string[]; close: () => Promise<void>}> {
  const bodies: string[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.method === 'POST') bodies.push(Buffer.concat(chunks).toString('utf8'))
      res.writeHead(200, {'content-type': 'application/json'})
      res.end(req.url?.includes('region') ? '{"url":"","site_id":"s","region":"us"}' : '{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {url: `http://127.0.0.1:${port}`, bodies, close: () => new Promise((resolve) => server.close(() => resolve()))}
}

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth)

describe('NDJSON numbers beyond 2^53 keep their digits', () => {
  let emulator: RunningEmulator
  let dir: TempDir
  beforeEach(async () => ({emulator, dir} = await emulatorAndDir()))
  afterEach(() => closeEmulatorAndDir(emulator, dir))

  const people = [
    '{"id": 9007199254740993, "big": 12345678901234567890123, "code": 12345678901234567890, "nested": {"n": 9007199254740995}, "small": 1.5}',
    '{"id": 9007199254740992, "plan": "free"}',
    '{"id": 12345678901234567890123, "plan": "pro"}',
    '{"id": 98765432109876543210, "created_at": "not-a-date", "n": 11111111111111111111}',
  ]

  it('as ids (two people, not one), typed strings, attributes, nested values and in the retry file', async () => {
    const input = join(dir.path, 'people.ndjson')
    writeFileSync(input, people.join('\n') + '\n')
    const mapping = join(dir.path, 'mapping.json')
    writeFileSync(mapping, JSON.stringify({version: 1, columns: {code: {type: 'string'}}}))
    const retry = join(dir.path, 'retry.ndjson')
    const result = await runCli(
      ['import', input, '--type', 'people', '--mapping', mapping, ...targetArgs(emulator), '--state', join(dir.path, 'l.sqlite'), '--retry-file', retry, '--json'],
      {cwd: dir.path},
    )
    expect(result.code, result.stderr).toBe(1)
    expect(parseJson(result.stdout).rows).toEqual({read: 4, succeeded: 3, failed: 0, invalid: 1})
    expect(emulator.inspect.person('9007199254740993')).toBeDefined()
    expect(emulator.inspect.person('9007199254740992')!.attributes.plan).toBe('free')
    expect(emulator.inspect.person('12345678901234567890123')!.attributes.plan).toBe('pro')
    expect(emulator.inspect.people()).toHaveLength(3)
    expect(emulator.inspect.person('9007199254740993')!.attributes.code).toBe('12345678901234567890')

    // The line as read, digits and all, with _line and _error added.
    const line = readFileSync(retry, 'utf8').trimEnd()
    expect(line.startsWith('{"id": 98765432109876543210, "created_at": "not-a-date", "n": 11111111111111111111,"_line":4,"_error":"timestamp_invalid: ')).toBe(true)
  })

  it('in the v2 request body: numbers stay JSON numbers with their digits, ids become their digit strings', async () => {
    const server = await captureServer()
    try {
      const input = join(dir.path, 'people.ndjson')
      writeFileSync(input, people.slice(0, 3).join('\n') + '\n')
      const events = join(dir.path, 'events.ndjson')
      writeFileSync(events, '{"id": "p1", "name": "buy", "timestamp": 1700000000, "data": {"order": 123456789012345678901, "total": 12.5}}\n')
      const mapping = join(dir.path, 'mapping.json')
      writeFileSync(mapping, JSON.stringify({version: 1, columns: {code: {type: 'string'}, big: {type: 'number'}}}))
      const target = ['--endpoint', server.url, '--site-id', 'site', '--api-key', 'key']
      const a = await runCli(['import', input, '--type', 'people', '--mapping', mapping, ...target, '--state', join(dir.path, 'l.sqlite'), '--json'], {cwd: dir.path})
      expect(a.code, a.stderr).toBe(0)
      const b = await runCli(['import', events, '--type', 'events', ...target, '--state', join(dir.path, 'l.sqlite'), '--json'], {cwd: dir.path})
      expect(b.code, b.stderr).toBe(0)
      const body = server.bodies.join('\n')
      expect(body).toContain('"identifiers":{"id":"9007199254740993"}')
      expect(body).toContain('"identifiers":{"id":"9007199254740992"}')
      expect(body).toContain('"identifiers":{"id":"12345678901234567890123"}')
      expect(body).toContain('"big":12345678901234567890123')
      expect(body).toContain('"code":"12345678901234567890"')
      expect(body).toContain('"nested":{"n":9007199254740995}')
      expect(body).toContain('"small":1.5')
      expect(body).toContain('"order":123456789012345678901,"total":12.5')
      expect(body).not.toMatch(/e\+2\d|\\u0000/)
      for (const sent of server.bodies) expect(() => JSON.parse(sent)).not.toThrow()
    } finally {
      await server.close()
    }
  })
})

describe('deeply nested JSON is an invalid row, not a stop', () => {
  let emulator: RunningEmulator
  let dir: TempDir
  beforeEach(async () => ({emulator, dir} = await emulatorAndDir()))
  afterEach(() => closeEmulatorAndDir(emulator, dir))

  it('NDJSON: a row nested 5,000 deep goes to the retry file with json_too_deep and its line; the rest lands', async () => {
    const input = join(dir.path, 'people.ndjson')
    writeFileSync(input, ['{"id": "p1"}', `{"id": "p2", "deep": ${nested(5000)}}`, `{"id": "p3", "ok": ${nested(100)}}`].join('\n') + '\n')
    const retry = join(dir.path, 'retry.ndjson')
    const state = join(dir.path, 'l.sqlite')
    const result = await runCli(['import', input, '--type', 'people', ...targetArgs(emulator), '--state', state, '--retry-file', retry, '--json'], {cwd: dir.path})
    expect(result.code, result.stderr).toBe(1)
    expect(result.stderr).not.toMatch(/call stack/)
    const summary = parseJson(result.stdout)
    expect(summary.rows).toEqual({read: 3, succeeded: 2, failed: 0, invalid: 1})
    expect(summary.failuresByRule).toEqual([{kind: 'invalid', rule: 'json_too_deep', count: 1}])
    expect(emulator.inspect.person('p1')).toBeDefined()
    expect(emulator.inspect.person('p3')).toBeDefined()
    const row = JSON.parse(readFileSync(retry, 'utf8'))
    expect(row._line).toBe(2)
    // The object itself is one level: 5,001 in all.
    expect(row._error).toBe('json_too_deep: the JSON nests 5001 levels deep, over the limit of 128')
    expect(row.id).toBe('p2')

    const validate = await runCli(['validate', input, '--type', 'people', '--rejects-file', join(dir.path, 'rejects.ndjson'), '--json'], {cwd: dir.path})
    expect(validate.code, validate.stderr).toBe(1)
    expect(parseJson(validate.stdout).invalidByRule.map((r: {rule: string}) => r.rule)).toEqual(['json_too_deep'])
  })

  it('CSV: a json-typed cell or an events data cell nested 5,000 deep is json_too_deep on its line', async () => {
    const people = join(dir.path, 'people.csv')
    writeFileSync(people, `id,prefs\np1,[1]\np2,${nested(5000)}\np3,[2]\n`)
    const mapping = join(dir.path, 'mapping.json')
    writeFileSync(mapping, JSON.stringify({version: 1, columns: {prefs: {type: 'json'}}}))
    const retry = join(dir.path, 'retry.csv')
    const state = join(dir.path, 'l.sqlite')
    const result = await runCli(
      ['import', people, '--type', 'people', '--mapping', mapping, ...targetArgs(emulator), '--state', state, '--retry-file', retry, '--json'],
      {cwd: dir.path},
    )
    expect(result.code, result.stderr).toBe(1)
    expect(parseJson(result.stdout).rows).toEqual({read: 3, succeeded: 2, failed: 0, invalid: 1})
    const rows = parse(readFileSync(retry, 'utf8'), {columns: true}) as Array<Record<string, string>>
    expect(rows).toHaveLength(1)
    expect(rows[0].prefs === nested(5000)).toBe(true)
    expect(rows[0]._line).toBe('3')
    expect(rows[0]._error).toBe("json_too_deep: column 'prefs': the JSON nests 5000 levels deep, over the limit of 128")

    const events = join(dir.path, 'events.csv')
    writeFileSync(events, `id,name,data\np1,buy,"{""a"":${nested(5000)}}"\np1,buy,"{""a"":1}"\n`)
    const ev = await runCli(['import', events, '--type', 'events', ...targetArgs(emulator), '--state', state, '--json'], {cwd: dir.path})
    expect(ev.code, ev.stderr).toBe(1)
    const summary = parseJson(ev.stdout)
    expect(summary.rows).toEqual({read: 2, succeeded: 1, failed: 0, invalid: 1})
    expect(summary.failuresByRule).toEqual([{kind: 'invalid', rule: 'json_too_deep', count: 1}])
  })
})

describe('an unclosed quote at the end of a CSV file is an invalid row, not a stop (issue 12)', () => {
  let emulator: RunningEmulator
  let dir: TempDir
  beforeEach(async () => ({emulator, dir} = await emulatorAndDir()))
  afterEach(() => closeEmulatorAndDir(emulator, dir))

  it('import lands the other rows, writes the broken row with its line and rule, and validate counts the same', async () => {
    const input = join(dir.path, 'people.csv')
    writeFileSync(input, 'id,email,note\np1,a@example.com,fine\np2,b@example.com,"starts here\np3,c@example.com,after\np4,d@example.com,last\n')
    const retry = join(dir.path, 'retry.csv')
    const result = await runCli(['import', input, '--type', 'people', ...targetArgs(emulator), '--state', join(dir.path, 'l.sqlite'), '--retry-file', retry, '--json'], {
      cwd: dir.path,
    })
    expect(result.code, result.stderr).toBe(1)
    const summary = parseJson(result.stdout)
    expect(summary.status).toBe('completed_with_failures')
    expect(summary.rows).toEqual({read: 4, succeeded: 3, failed: 0, invalid: 1})
    expect(['p1', 'p3', 'p4'].map((id) => emulator.inspect.person(id)?.attributes.note)).toEqual(['fine', 'after', 'last'])
    expect(readFileSync(retry, 'utf8')).toBe(
      'id,email,note,_line,_error\np2,b@example.com,"starts here,3,csv_unclosed_quote: the quote opened on line 3 is never closed; reading goes on with the next line\n',
    )

    const validate = await runCli(['validate', input, '--type', 'people', '--rejects-file', join(dir.path, 'rejects.csv'), '--json'], {cwd: dir.path})
    expect(validate.code, validate.stderr).toBe(1)
    const report = parseJson(validate.stdout)
    expect(report.files[0].rows).toEqual({read: 4, valid: 3, invalid: 1})
    expect(report.invalidByRule).toMatchObject([{rule: 'csv_unclosed_quote', count: 1, examples: [{line: 3}]}])
  })
})

describe('rows that are not UTF-8 keep their raw bytes in the retry file', () => {
  let emulator: RunningEmulator
  let dir: TempDir
  beforeEach(async () => ({emulator, dir} = await emulatorAndDir()))
  afterEach(() => closeEmulatorAndDir(emulator, dir))

  const message = 'invalid_utf8: record is not valid UTF-8 (is the file in another encoding, such as Latin-1 or Windows-1252?)'

  it('CSV and NDJSON, in import retry files and validate rejects files', async () => {
    const csv = join(dir.path, 'people.csv')
    writeFileSync(csv, Buffer.concat([Buffer.from('id,name\n1,Ann\n2,"Jos'), Buffer.from([0xe9]), Buffer.from(', Sr"\n3,Zoë\n')]))
    const ndjson = join(dir.path, 'people.ndjson')
    writeFileSync(ndjson, Buffer.concat([Buffer.from('{"id": "1", "name": "Ann"}\n{"id": "2", "name": "Jos'), Buffer.from([0xe9]), Buffer.from('"}\n')]))
    const state = join(dir.path, 'l.sqlite')

    const csvRetry = join(dir.path, 'retry.csv')
    const a = await runCli(['import', csv, '--type', 'people', ...targetArgs(emulator), '--state', state, '--retry-file', csvRetry, '--json'], {cwd: dir.path})
    expect(a.code, a.stderr).toBe(1)
    expect(parseJson(a.stdout).rows).toEqual({read: 3, succeeded: 2, failed: 0, invalid: 1})
    const csvExpected = Buffer.concat([Buffer.from('id,name,_line,_error\n2,"Jos'), Buffer.from([0xe9]), Buffer.from(`, Sr",3,"${message}"\n`)])
    expect(readFileSync(csvRetry).equals(csvExpected), readFileSync(csvRetry, 'latin1')).toBe(true)

    const ndjsonRetry = join(dir.path, 'retry.ndjson')
    const b = await runCli(['import', ndjson, '--type', 'people', ...targetArgs(emulator), '--state', state, '--retry-file', ndjsonRetry, '--json'], {cwd: dir.path})
    expect(b.code, b.stderr).toBe(1)
    const ndjsonExpected = Buffer.concat([
      Buffer.from('{"id": "2", "name": "Jos'),
      Buffer.from([0xe9]),
      Buffer.from(`","_line":2,"_error":${JSON.stringify(message.replace('record is', 'line is'))}}\n`),
    ])
    expect(readFileSync(ndjsonRetry).equals(ndjsonExpected), readFileSync(ndjsonRetry, 'latin1')).toBe(true)

    const rejects = join(dir.path, 'rejects.csv')
    const v = await runCli(['validate', csv, '--type', 'people', '--rejects-file', rejects, '--json'], {cwd: dir.path})
    expect(v.code, v.stderr).toBe(1)
    expect(readFileSync(rejects).equals(csvExpected)).toBe(true)
  })

  it('a UTF-16 file is named as UTF-16, not guessed to be Latin-1', async () => {
    for (const [name, bytes, kind] of [
      ['bom-le.csv', Buffer.from('\ufeffid,name\n1,Ann\n', 'utf16le'), 'UTF-16LE'],
      ['no-bom-le.ndjson', Buffer.from('{"id":"1"}\n', 'utf16le'), 'UTF-16LE'],
      ['bom-be.csv', Buffer.from('\ufeffid,name\n1,Ann\n', 'utf16le').swap16(), 'UTF-16BE'],
    ] as const) {
      const input = join(dir.path, name)
      writeFileSync(input, bytes)
      const result = await runCli(['validate', input, '--type', 'people', '--json'], {cwd: dir.path})
      expect(result.code, result.stderr).toBe(2)
      const file = parseJson(result.stdout).files[0]
      expect(file.error.rule).toBe('invalid_utf8')
      expect(file.error.message).toContain(`${name} line 1: the file is ${kind}, not UTF-8: convert it first, e.g. iconv -f ${kind} -t UTF-8`)
    }
  })
})

describe('duplicate JSON keys', () => {
  let emulator: RunningEmulator
  let dir: TempDir
  beforeEach(async () => ({emulator, dir} = await emulatorAndDir()))
  afterEach(() => closeEmulatorAndDir(emulator, dir))

  it('validate counts them as a warning with their lines; import still takes the last value', async () => {
    const input = join(dir.path, 'people.ndjson')
    writeFileSync(
      input,
      [
        '{"id": "1", "plan": "free"}',
        '{"id": "2", "email": "a@example.com", "email": "b@example.com"}',
        '{"id": "3", "prefs": {"b": 1, "b": 2}, "url": "http://x:80/a:b"}',
        '{"id": "4", "url": "http://x:80/a:b", "note": "\\"k\\": 1"}',
      ].join('\n') + '\n',
    )
    const validate = await runCli(['validate', input, '--type', 'people', '--json'], {cwd: dir.path})
    expect(validate.code, validate.stderr).toBe(0)
    expect(parseJson(validate.stdout).rowWarnings).toEqual([
      {
        rule: 'ndjson_duplicate_key',
        count: 2,
        examples: [
          {file: input, line: 2, message: "key 'email' appears more than once in the same object; the last value is used"},
          {file: input, line: 3, message: "key 'b' appears more than once in the same object; the last value is used"},
        ],
      },
    ])
    const text = await runCli(['validate', input, '--type', 'people'], {cwd: dir.path})
    expect(text.stdout).toContain('warning (ndjson_duplicate_key): 2 rows')
    expect(text.stdout).toContain("line 2: key 'email' appears more than once")

    const result = await runCli(['import', input, '--type', 'people', ...targetArgs(emulator), '--state', join(dir.path, 'l.sqlite'), '--json'], {cwd: dir.path})
    expect(result.code, result.stderr).toBe(0)
    expect(emulator.inspect.person('2')!.attributes.email).toBe('b@example.com')
    expect(emulator.inspect.person('3')!.attributes.prefs).toEqual({b: 2})
  })
})
