import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {createMapper, loadMappingFile, MappingError, type MappingFile} from '../../src/mapping/index.js'
import {broken, op, record} from './records.js'

const dir = mkdtempSync(join(tmpdir(), 'mapping-file-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

let counter = 0
function write(content: unknown): string {
  const path = join(dir, `mapping-${counter++}.json`)
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}

async function loadError(content: unknown): Promise<MappingError> {
  const path = write(content)
  const error = await loadMappingFile(path).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(MappingError)
  expect((error as Error).message).toContain(`mapping file ${path}: `)
  return error as MappingError
}

describe('loadMappingFile', () => {
  it('loads the documented example (with a BOM, as Windows editors save it)', async () => {
    const example: MappingFile = {
      version: 1,
      type: 'people',
      comment: 'export from the old CRM',
      identifier: {column: 'Customer No', type: 'id'},
      columns: {
        'E-mail': {as: 'email'},
        'Signed Up': {as: 'created_at', type: 'timestamp'},
        LTV: {as: 'lifetime_value', type: 'number'},
        Newsletter: {type: 'boolean'},
        Prefs: {type: 'json'},
        'Internal Notes': {ignore: true, comment: 'not for Customer.io'},
      },
    }
    expect(await loadMappingFile(write('\uFEFF' + JSON.stringify(example)))).toEqual(example)
  })

  it('names the file and the problem for every kind of mistake', async () => {
    expect((await loadError('{"columns": {')).message).toContain('not valid JSON')
    expect((await loadError([])).message).toContain('must be a JSON object')
    expect((await loadError({colums: {}})).message).toContain("unknown key 'colums'")
    expect((await loadError({version: 2})).message).toContain("'version' must be 1")
    expect((await loadError({type: 'persons'})).message).toContain("'type' must be")
    expect((await loadError({identifier: 'id'})).message).toContain("'identifier' must be an object")
    expect((await loadError({identifier: {column: 'x', type: 'phone'}})).message).toContain("'identifier.type' must be one of")
    expect((await loadError({identifier: {column: '', type: 'id'}})).message).toContain("'identifier.column'")
    expect((await loadError({identifier: {column: 'x', type: 'id', kind: 1}})).message).toContain("identifier: unknown key 'kind'")
    expect((await loadError({type: 'people', identifier: {column: 'x', type: 'anonymous_id'}})).message).toContain('only for events')
    expect((await loadError({columns: {age: {type: 'int'}}})).message).toContain(`columns['age']: unknown type "int"`)
    expect((await loadError({columns: {age: {typ: 'number'}}})).message).toContain(`columns['age']: unknown key 'typ'`)
    expect((await loadError({columns: {age: 'number'}})).message).toContain(`columns['age']: must be an object`)
    expect((await loadError({columns: {age: {as: ''}}})).message).toContain("'as' must be a non-empty string")
    expect((await loadError({columns: {age: {ignore: 'yes'}}})).message).toContain("'ignore' must be true or false")
    expect((await loadError({columns: {age: {ignore: true, type: 'number'}}})).message).toContain('an ignored column cannot also')
    expect((await loadError({columns: {a: {as: 'x'}, b: {as: 'x'}}})).message).toContain("columns 'a' and 'b' both map to 'x'")
    expect((await loadError({identifier: {column: 'uid', type: 'id'}, columns: {uid: {type: 'number'}}})).message).toContain(
      'the identifier column is sent as read',
    )
  })

  it('reads a list of identifier columns (fallbacks) and checks each entry', async () => {
    const identifier = [
      {column: 'User ID', type: 'id'},
      {column: 'Email', type: 'email'},
    ]
    expect((await loadMappingFile(write({identifier}))).identifier).toEqual(identifier)
    expect((await loadError({identifier: []})).message).toContain("'identifier' lists no column")
    expect((await loadError({identifier: [{column: 'a', type: 'id'}, {column: 'b', type: 'phone'}]})).message).toContain("'identifier[1].type' must be one of")
    expect((await loadError({identifier: [{column: 'a', type: 'id'}, {column: 'a', type: 'email'}]})).message).toContain("lists column 'a' twice")
    expect((await loadError({identifier: [{column: 'a', type: 'id'}], columns: {a: {as: 'x'}}})).message).toContain('cannot be renamed')
  })

  it('reports a missing file as a MappingError, not a stack trace', async () => {
    await expect(loadMappingFile(join(dir, 'nope.json'))).rejects.toThrow(/mapping file .*nope\.json: cannot be read \(ENOENT\)/)
  })
})

describe('createMapper with a mapping', () => {
  it('refuses a mapping written for the other record type, or one that casts an identifier', () => {
    expect(() => createMapper({type: 'people', eventIdSeed: 's', mapping: {type: 'events'}})).toThrow(MappingError)
    expect(() => createMapper({type: 'people', eventIdSeed: 's', mapping: {columns: {uid: {as: 'id', type: 'number'}}}})).toThrow(
      /'id' is an identifier and is sent as read/,
    )
    expect(() => createMapper({type: 'events', eventIdSeed: 's', mapping: {columns: {when: {as: 'timestamp', type: 'number'}}}})).toThrow(
      MappingError,
    )
  })

  it('renames, types and ignores columns; the chosen identifier column is used as read', () => {
    const mapper = createMapper({
      type: 'people',
      eventIdSeed: 's',
      mapping: {
        identifier: {column: 'Customer No', type: 'id'},
        columns: {
          'E-mail': {as: 'email'},
          'Signed Up': {as: 'created_at', type: 'timestamp'},
          LTV: {as: 'lifetime_value', type: 'number'},
          Newsletter: {type: 'boolean'},
          Prefs: {type: 'json'},
          Zip: {type: 'string'},
          'Internal Notes': {ignore: true},
        },
      },
    })
    const result = op(
      mapper.map(
        record({
          'Customer No': '00123',
          'E-mail': 'A@b.co',
          'Signed Up': '2024-01-15T10:00:00Z',
          LTV: '1234.50',
          Newsletter: 'Yes',
          Prefs: '{"lang":"nb"}',
          Zip: '0150',
          'Internal Notes': 'do not send',
          id: 'legacy-7',
        }),
      ),
    )
    expect(result.entry.identifiers).toEqual({id: '00123'})
    expect(result.personKey).toBe('id:00123')
    expect(result.entry.attributes).toEqual({
      email: 'A@b.co',
      created_at: 1_705_312_800,
      lifetime_value: 1234.5,
      Newsletter: true,
      Prefs: {lang: 'nb'},
      Zip: '0150',
    })
  })

  it('uses an email identifier column as the email attribute too, without falling back when it is empty', () => {
    const mapper = createMapper({type: 'people', eventIdSeed: 's', mapping: {identifier: {column: 'Mail', type: 'email'}}})
    const result = op(mapper.map(record({Mail: 'Jane@Example.com', plan: 'x'})))
    expect(result.entry.identifiers).toEqual({email: 'Jane@Example.com'})
    expect(result.entry.attributes).toEqual({email: 'Jane@Example.com', plan: 'x'})
    expect(broken(mapper.map(record({Mail: '', id: '5'})))).toEqual({
      rule: 'identifier_missing',
      message: "identifier is missing: column 'Mail' is empty",
    })
  })

  it('makes a row invalid when a typed cell does not cast, naming column and value', () => {
    const mapper = createMapper({
      type: 'people',
      eventIdSeed: 's',
      mapping: {columns: {Age: {as: 'age', type: 'number'}, vip: {type: 'boolean'}, prefs: {type: 'json'}, seen: {type: 'timestamp'}}},
    })
    expect(broken(mapper.map(record({id: '1', Age: 'forty'})))).toEqual({rule: 'cast_number', message: `column 'Age' (age): "forty" is not a number`})
    expect(broken(mapper.map(record({id: '1', vip: 'maybe'})))).toEqual({
      rule: 'cast_boolean',
      message: `column 'vip': "maybe" is not a boolean (true/false, yes/no, 1/0)`,
    })
    expect(broken(mapper.map(record({id: '1', prefs: '{nope'})))).toEqual({rule: 'cast_json', message: `column 'prefs': "{nope" is not valid JSON`})
    expect(broken(mapper.map(record({id: '1', seen: 'soon'}))).rule).toBe('timestamp_invalid')
    expect(broken(mapper.map(record({id: '1', Age: '0x10'}))).rule).toBe('cast_number')
    expect(op(mapper.map(record({id: '1', Age: ' 42 ', vip: 'F', seen: 1_705_312_800_000}))).entry.attributes).toEqual({
      age: 42,
      vip: false,
      seen: 1_705_312_800,
    })
    // empty cells are omitted before any cast
    expect(op(mapper.map(record({id: '1', Age: ''}))).entry.attributes).toBeUndefined()
  })

  it('can keep created_at as text when the mapping says string', () => {
    const mapper = createMapper({type: 'people', eventIdSeed: 's', mapping: {columns: {created_at: {type: 'string'}}}})
    expect(op(mapper.map(record({id: '1', created_at: 'sometime'}))).entry.attributes).toEqual({created_at: 'sometime'})
  })

  it('maps event fields from other column names, and types event data columns', () => {
    const mapper = createMapper({
      type: 'events',
      eventIdSeed: 's',
      mapping: {
        identifier: {column: 'userId', type: 'id'},
        columns: {
          event_type: {as: 'name'},
          occurred: {as: 'timestamp', type: 'timestamp'},
          dedupe: {as: 'event_id'},
          properties: {as: 'data', type: 'json'},
          price: {type: 'number'},
          anonymousId: {ignore: true},
        },
      },
    })
    const result = op(
      mapper.map(
        record({
          userId: '42',
          anonymousId: 'a-1',
          event_type: 'purchase',
          occurred: '2024-01-15T10:00:00Z',
          dedupe: '01BX5ZZKBKACTAV9WEVGEMMVRY',
          properties: '{"sku":"W-1"}',
          price: '29.99',
        }),
      ),
    )
    expect(result.entry).toEqual({
      type: 'person',
      action: 'event',
      identifiers: {id: '42'},
      name: 'purchase',
      id: '01BX5ZZKBKACTAV9WEVGEMMVRY',
      timestamp: 1_705_312_800,
      attributes: {sku: 'W-1', price: 29.99},
    })
  })

  it('keys events by anonymous_id when the mapping says so', () => {
    const mapper = createMapper({type: 'events', eventIdSeed: 's', mapping: {identifier: {column: 'visitor', type: 'anonymous_id'}}})
    const result = op(mapper.map(record({visitor: 'v-9', name: 'page'})))
    expect(result.entry.identifiers).toEqual({anonymous_id: 'v-9'})
    expect(result.personKey).toBe('anon:v-9')
  })
})
