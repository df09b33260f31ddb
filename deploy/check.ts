/**
 * `npm run deploy:check [DIR|FILE...]`: validate every kustomization under deploy/k8s (or the given kustomization
 * directories and YAML files, e.g. a `plan --emit k8s` output) offline. Prints each problem; exits 1 on any.
 */
import {readdirSync, statSync} from 'node:fs'
import {dirname, join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

import {checkKustomization, checkManifestFile, type ManifestProblem} from './manifest-check.js'

const K8S = join(dirname(fileURLToPath(import.meta.url)), 'k8s')

function kustomizations(dir: string): string[] {
  const entries = readdirSync(dir)
  const here = entries.includes('kustomization.yaml') ? [dir] : []
  return [...here, ...entries.map((e) => join(dir, e)).filter((p) => statSync(p).isDirectory()).flatMap(kustomizations)]
}

const targets = process.argv.length > 2 ? process.argv.slice(2) : kustomizations(K8S)
let failed = 0
for (const target of targets) {
  let problems: ManifestProblem[]
  try {
    problems = statSync(target).isDirectory() ? await checkKustomization(target) : await checkManifestFile(target)
  } catch (error) {
    problems = [{where: target, message: (error as Error).message.split('\n')[0]}]
  }

  const name = relative(process.cwd(), target) || target
  console.log(`${problems.length === 0 ? 'ok  ' : 'FAIL'} ${name}`)
  for (const p of problems) console.log(`     ${p.where}: ${p.message}`)
  failed += problems.length
}

process.exitCode = failed > 0 ? 1 : 0
