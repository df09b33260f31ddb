export const OPERATION_KINDS = ['identify', 'track'] as const
export type OperationKind = (typeof OPERATION_KINDS)[number]

export type Mix = Record<OperationKind, number>

export class MixSpecError extends Error {}

/** Parse `--mix identify=1,track=1`: relative weights; a kind left out gets weight 0. */
export function parseMix(spec: string): Mix {
  const mix: Mix = {identify: 0, track: 0}
  const seen = new Set<string>()
  for (const [i, rawPart] of spec.split(',').entries()) {
    const part = rawPart.trim()
    const where = `--mix entry ${i + 1} ("${part}")`
    const [name, weightText, extra] = part.split('=').map((piece) => piece.trim())
    if (weightText === undefined || extra !== undefined) throw new MixSpecError(`${where}: expected kind=weight, e.g. identify=1`)
    if (!(OPERATION_KINDS as readonly string[]).includes(name)) {
      throw new MixSpecError(`${where}: unknown kind "${name}"; use ${OPERATION_KINDS.join(' or ')}`)
    }

    if (seen.has(name)) throw new MixSpecError(`${where}: ${name} is given twice`)
    seen.add(name)
    const weight = Number(weightText)
    if (weightText === '' || !Number.isFinite(weight) || weight < 0) throw new MixSpecError(`${where}: weight must be a number >= 0`)
    mix[name as OperationKind] = weight
  }

  if (mix.identify + mix.track <= 0) throw new MixSpecError('--mix: at least one weight must be above 0')
  return mix
}

/** Draw a kind with probability proportional to its weight. `random` is injectable for tests. */
export function drawKind(mix: Mix, random: () => number = Math.random): OperationKind {
  const total = mix.identify + mix.track
  return random() * total < mix.identify ? 'identify' : 'track'
}
