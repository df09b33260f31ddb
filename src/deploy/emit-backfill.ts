import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {stringify} from 'yaml'

import {backfillObjects, type BackfillSpec} from './backfill-job.js'

export interface EmittedOverlay {
  dir: string
  files: string[]
}

/**
 * Write a ready-to-apply kustomization for a sharded backfill: `kubectl apply -k DIR` creates the ledger volume and
 * the Indexed Job. `header` lines (the plan behind it) head each file as comments.
 */
export async function emitBackfill(dir: string, spec: BackfillSpec, header: string[]): Promise<EmittedOverlay> {
  await mkdir(dir, {recursive: true})
  const comment = header.map((line) => `# ${line}`.trimEnd()).join('\n')
  const manifests = backfillObjects(spec)
    .map((object) => stringify(object, {lineWidth: 0}))
    .join('---\n')
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: ['backfill.yaml'],
  }
  const files = {
    'kustomization.yaml': `${comment}\n${stringify(kustomization)}`,
    'backfill.yaml': `${comment}\n${manifests}`,
  }
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text)
  return {dir, files: Object.keys(files).map((name) => join(dir, name))}
}
