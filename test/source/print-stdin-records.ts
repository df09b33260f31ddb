// Child process for the stdin tests: reads '-' and prints one JSON line per record, then "END".
// With --abort-after-first it aborts (as Ctrl-C would) once the first record is out, while stdin stays open.
import {openSource} from '../../src/source/index.js'

const controller = new AbortController()
const abortAfterFirst = process.argv.includes('--abort-after-first')
try {
  const source = await openSource('-', {signal: controller.signal})
  process.stdout.write(JSON.stringify({format: source.format, compressed: source.compressed, columns: source.columns, seekable: source.seekable}) + '\n')
  for await (const record of source.records()) {
    process.stdout.write(JSON.stringify(record) + '\n')
    if (abortAfterFirst) setTimeout(() => controller.abort(), 50)
  }
  // No process.exit: the process must be able to end by itself, even with stdin still open.
  process.stdout.write('END\n')
} catch (error) {
  process.stdout.write(`ERROR ${(error as Error).message}\n`)
  process.exit(2)
}
