import type {Ledger} from '../ledger/ledger.js'
import {RESUMABLE, type RunRecord} from '../ledger/records.js'
import {fingerprintInput} from '../source/index.js'
import type {TrackTarget} from '../target/track-target.js'
import {sameShard, type ShardSpec, shardLabel} from './shard.js'

export class ResumeRefusedError extends Error {
  override readonly name = 'ResumeRefusedError'
}

/**
 * A resume must continue the same work: the same bytes, into the same workspace. Anything else
 * could send rows twice or into the wrong place, so it is refused unless the user says --force.
 */
export async function checkResumable(ledger: Ledger, run: RunRecord, target: TrackTarget, force: boolean, shard?: ShardSpec): Promise<string[]> {
  if (!RESUMABLE.has(run.status)) {
    throw new ResumeRefusedError(`run ${run.id} is ${run.status}; there is nothing to resume`)
  }

  // Another shard's rows would go out twice or never: refused even with --force.
  if (shard && !sameShard(shard, run.config.shard)) {
    const was = run.config.shard ? `shard ${shardLabel(run.config.shard)}` : 'every row (no --shard)'
    throw new ResumeRefusedError(`refusing to resume run ${run.id} as shard ${shardLabel(shard)}: it sends ${was}`)
  }

  const problems: string[] = []
  if (!run.config.emulator) {
    if (target.siteId !== run.siteId) problems.push(`the site id differs from the run's (${run.siteId})`)
    if (target.host !== run.host) problems.push(`the Track API host ${target.host} differs from the run's (${run.host})`)
  }

  for (const file of ledger.runFiles(run.id)) {
    if (file.done) continue
    let now
    try {
      now = await fingerprintInput(file.path)
    } catch (error) {
      problems.push(`${file.displayPath}: ${(error as Error).message}`)
      continue
    }

    const changes = []
    if (now.size !== file.size) changes.push(`size ${file.size} -> ${now.size}`)
    if (now.mtimeMs !== file.mtimeMs) changes.push('modification time')
    if (now.headHash !== file.headHash) changes.push('content of the first 64 KiB')
    if (changes.length > 0) problems.push(`${file.displayPath} changed since the run began (${changes.join(', ')})`)
  }

  if (problems.length > 0 && !force) {
    throw new ResumeRefusedError(`refusing to resume run ${run.id}: ${problems.join('; ')}. Use --force to resume anyway.`)
  }

  return problems
}
