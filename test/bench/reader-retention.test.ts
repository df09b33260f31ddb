import {createWriteStream} from 'node:fs'
import {once} from 'node:events'
import {join} from 'node:path'
import {setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'
import {afterEach, describe, expect, it} from 'vitest'

import {openSource} from '../../src/source/index.js'
import {tempDir} from '../helpers/cli.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

// Peak RSS of an import grew with the input: every chunk read stayed reachable from the abort signal
// (each pull raced against one long-lived promise). Reading must not keep what it has read.
describe('reading an input with an abort signal', () => {
  const dir = tempDir()
  afterEach(() => dir.cleanup())

  it('keeps no chunk alive once the records are consumed', async () => {
    const path = join(dir.path, 'people.csv')
    const out = createWriteStream(path)
    out.write('id,email,notes\n')
    const filler = 'x'.repeat(200)
    for (let i = 0; i < 200_000; i++) if (!out.write(`${i},user${i}@example.com,${filler}\n`)) await once(out, 'drain')
    out.end()
    await once(out, 'finish')

    const controller = new AbortController()
    const source = await openSource(path, {format: 'csv', signal: controller.signal})
    let rows = 0
    for await (const record of source.records()) if (record.fields) rows++
    expect(rows).toBe(200_000)

    gc()
    // The file is ~46 MB; one read chunk is 256 KiB. The controller (and so anything its listeners hold) is alive here.
    expect(process.memoryUsage().arrayBuffers).toBeLessThan(8 * 1024 * 1024)
    expect(controller.signal.aborted).toBe(false)
  })
})
