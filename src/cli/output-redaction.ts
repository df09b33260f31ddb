// Not track-target.js: this runs before oclif starts, and loading customerio-node there would slow every start.
import {secretForms} from '../target/secret-forms.js'

/** Flags whose value is a credential (Track or App API keys, passwords, tokens), by name. */
const SECRET_FLAG = /^--(?:[\w-]*-)?(?:key|password|secret|token)$/
/** Environment variables that hold credentials. */
const SECRET_ENV = /^(?:CIO_|REDIS_|KAFKA_)\w*(?:KEY|PASSWORD|SECRET|TOKEN)$/
/** Shorter values are left alone: redacting "k" would garble every word with a k in it, and no real key is that short. */
const MIN_SECRET_LENGTH = 6

function flagValue(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === name) return argv[i + 1]
    if (argv[i].startsWith(`${name}=`)) return argv[i].slice(name.length + 1)
  }

  return undefined
}

/** Every credential given to this process on the command line or in the environment, in every form it could be printed in. */
export function secretsOf(argv: string[], env: NodeJS.ProcessEnv): string[] {
  // The emulator's --api-key is the key it expects from clients, a local test value it prints on purpose.
  if (argv[0] === 'emulator') return []
  const keys = new Set<string>()
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split(/=(.*)/s, 2)
    if (!SECRET_FLAG.test(name)) continue
    const value = inline ?? argv[i + 1]
    if (value) keys.add(value)
  }

  for (const [name, value] of Object.entries(env)) if (SECRET_ENV.test(name) && value) keys.add(value)
  const siteId = flagValue(argv, '--site-id') ?? env.CIO_SITE_ID
  const forms = new Set<string>()
  for (const key of keys) {
    if (key.length < MIN_SECRET_LENGTH) continue
    for (const form of secretForms({apiKey: key, siteId})) forms.add(form)
  }

  return [...forms].sort((a, b) => b.length - a.length)
}

function scrub(text: string, secrets: string[]): string {
  let out = text
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('***')
  return out
}

/**
 * Redact credentials from everything this process writes to stdout and stderr, whoever writes it:
 * with DEBUG=*, oclif's own debug output prints argv (the --api-key value included) before any of
 * our code runs. Installed by bin/run.js before oclif starts.
 */
export function redactProcessOutput(argv = process.argv.slice(2), env = process.env): void {
  const secrets = secretsOf(argv, env)
  if (secrets.length === 0) return
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk === 'string') return write(scrub(chunk, secrets), ...rest)
      if (chunk instanceof Uint8Array && secrets.some((s) => Buffer.from(chunk).includes(s))) {
        return write(scrub(Buffer.from(chunk).toString('utf8'), secrets), ...rest)
      }

      return write(chunk, ...rest)
    }) as typeof stream.write
  }
}
