/**
 * Offline validation of Kubernetes manifests: no cluster is reachable here (kubectl's --dry-run needs a server).
 *
 * Two checks per object, both against the `kubernetes-models` schemas (Kubernetes >= 1.34) and
 * `@kubernetes-models/keda` for KEDA's ScaledObject:
 * 1. types and required fields: the package's own compiled JSON-schema validator (`validate()`), which catches
 *    `containerPort: "9464"` but, like the API server's lenient decoding, lets unknown fields through;
 * 2. unknown fields: each object is type-checked by the TypeScript compiler as an object literal of the package's
 *    interface (`const doc: IJob = {...}`), whose excess-property check rejects `completionz` or
 *    `averageUtilisation` (with a "did you mean" when there is a close name). This is the strict check that the
 *    schema validator does not do, without a second copy of the schemas.
 * prometheus-adapter's rules (YAML inside a ConfigMap) get a check of their own keys.
 */
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import ts from 'typescript'
import {parse as parseYaml, parseAllDocuments} from 'yaml'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

/** The kinds our manifests use, by apiVersion/kind: the module and interface that describe each. */
const MODELS: Record<string, {module: string; type: string; name: string}> = {
  'v1/ConfigMap': {module: 'kubernetes-models/v1/ConfigMap', type: 'IConfigMap', name: 'ConfigMap'},
  'v1/Namespace': {module: 'kubernetes-models/v1/Namespace', type: 'INamespace', name: 'Namespace'},
  'v1/PersistentVolumeClaim': {module: 'kubernetes-models/v1/PersistentVolumeClaim', type: 'IPersistentVolumeClaim', name: 'PersistentVolumeClaim'},
  'v1/Secret': {module: 'kubernetes-models/v1/Secret', type: 'ISecret', name: 'Secret'},
  'v1/Service': {module: 'kubernetes-models/v1/Service', type: 'IService', name: 'Service'},
  'v1/ServiceAccount': {module: 'kubernetes-models/v1/ServiceAccount', type: 'IServiceAccount', name: 'ServiceAccount'},
  'apps/v1/Deployment': {module: 'kubernetes-models/apps/v1/Deployment', type: 'IDeployment', name: 'Deployment'},
  'apps/v1/StatefulSet': {module: 'kubernetes-models/apps/v1/StatefulSet', type: 'IStatefulSet', name: 'StatefulSet'},
  'batch/v1/Job': {module: 'kubernetes-models/batch/v1/Job', type: 'IJob', name: 'Job'},
  'policy/v1/PodDisruptionBudget': {module: 'kubernetes-models/policy/v1/PodDisruptionBudget', type: 'IPodDisruptionBudget', name: 'PodDisruptionBudget'},
  'autoscaling/v2/HorizontalPodAutoscaler': {
    module: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
    type: 'IHorizontalPodAutoscaler',
    name: 'HorizontalPodAutoscaler',
  },
  'keda.sh/v1alpha1/ScaledObject': {module: '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject', type: 'IScaledObject', name: 'ScaledObject'},
}

export interface ManifestObject {
  apiVersion?: unknown
  kind?: unknown
  metadata?: {name?: unknown; namespace?: unknown}
  [key: string]: unknown
}

export interface ManifestProblem {
  /** Where the object came from (a kustomization directory or a file) and which object. */
  where: string
  message: string
}

/** `kubectl kustomize DIR`: what `kubectl apply -k DIR` would send, rendered offline. */
export function renderKustomization(dir: string): string {
  return execFileSync('kubectl', ['kustomize', dir], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
}

export function parseManifests(text: string, source: string): ManifestObject[] {
  const objects: ManifestObject[] = []
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0].message}`)
    const value = doc.toJS() as ManifestObject | null
    if (value !== null) objects.push(value)
  }

  return objects
}

function label(object: ManifestObject): string {
  return `${String(object.kind)}/${String(object.metadata?.name ?? '?')}`
}

function modelKey(object: ManifestObject): string {
  return `${String(object.apiVersion)}/${String(object.kind)}`
}

/** Check rendered objects; every problem is returned, none thrown. */
export async function checkManifests(objects: ManifestObject[], source: string): Promise<ManifestProblem[]> {
  const problems: ManifestProblem[] = []
  const typed: Array<{object: ManifestObject; where: string}> = []
  for (const object of objects) {
    const where = `${source}: ${label(object)}`
    const model = MODELS[modelKey(object)]
    if (!model) {
      problems.push({where, message: `no schema for apiVersion "${String(object.apiVersion)}" kind "${String(object.kind)}"`})
      continue
    }

    const module = (await import(model.module)) as Record<string, new (data: unknown) => {validate(): void}>
    try {
      new module[model.name](object).validate()
    } catch (error) {
      problems.push({where, message: (error as Error).message})
    }

    typed.push({object, where})
    problems.push(...checkAdapterRules(object, where))
  }

  problems.push(...unknownFields(typed))
  return problems
}

/** The strict unknown-field check: each object type-checked as a literal of its interface. */
function unknownFields(objects: Array<{object: ManifestObject; where: string}>): ManifestProblem[] {
  if (objects.length === 0) return []
  const imports = new Set<string>()
  const ranges: Array<{start: number; end: number; where: string}> = []
  const body: string[] = []
  let line = 0
  objects.forEach(({object, where}, index) => {
    const model = MODELS[modelKey(object)]
    imports.add(`import type {${model.type}} from '${model.module}'`)
    const literal = `export const doc${index}: ${model.type} = ${toLiteral(object, '')}`
    const lines = literal.split('\n').length
    ranges.push({start: line, end: line + lines - 1, where})
    body.push(literal)
    line += lines
  })

  const header = [...imports]
  const text = [...header, ...body].join('\n')
  const offset = header.length
  // A file that does not exist on disk, inside the project so that node_modules resolves as in our own code.
  const virtual = join(ROOT, '.manifest-check.ts')
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    types: [],
  }
  const host = ts.createCompilerHost(options)
  const getSourceFile = host.getSourceFile.bind(host)
  host.getSourceFile = (name, version, ...rest) =>
    name === virtual ? ts.createSourceFile(name, text, version) : getSourceFile(name, version, ...rest)
  const fileExists = host.fileExists.bind(host)
  host.fileExists = (name) => name === virtual || fileExists(name)
  const readFile = host.readFile.bind(host)
  host.readFile = (name) => (name === virtual ? text : readFile(name))

  const program = ts.createProgram([virtual], options, host)
  const problems: ManifestProblem[] = []
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')
    if (diagnostic.file?.fileName !== virtual || diagnostic.start === undefined) {
      problems.push({where: 'manifest check', message})
      continue
    }

    const at = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line - offset
    const range = ranges.find((r) => at >= r.start && at <= r.end)
    const source = text.split('\n')[at + offset]?.trim() ?? ''
    problems.push({where: range?.where ?? 'manifest check', message: `${message} (at ${source})`})
  }

  return problems
}

/**
 * A TypeScript object literal of a JSON value. Keys that are identifiers stay unquoted: only then does the
 * compiler's excess-property error carry its "did you mean" suggestion.
 */
function toLiteral(value: unknown, indent: string): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  const inner = `${indent}  `
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    return `[\n${value.map((v) => `${inner}${toLiteral(v, inner)}`).join(',\n')}\n${indent}]`
  }

  const entries = Object.entries(value)
  if (entries.length === 0) return '{}'
  const key = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k))
  return `{\n${entries.map(([k, v]) => `${inner}${key(k)}: ${toLiteral(v, inner)}`).join(',\n')}\n${indent}}`
}

const ADAPTER_RULE_KEYS = new Set(['seriesQuery', 'seriesFilters', 'resources', 'name', 'metricsQuery'])

/** prometheus-adapter's config travels as YAML text in a ConfigMap: check its external rules' keys. */
function checkAdapterRules(object: ManifestObject, where: string): ManifestProblem[] {
  const data = (object as {data?: Record<string, string>}).data
  if (object.kind !== 'ConfigMap' || !data?.['config.yaml']?.includes('externalRules')) return []
  const config = parseYaml(data['config.yaml']) as {externalRules?: Array<Record<string, unknown>>}
  const problems: ManifestProblem[] = []
  for (const [index, rule] of (config.externalRules ?? []).entries()) {
    for (const key of Object.keys(rule)) {
      if (!ADAPTER_RULE_KEYS.has(key)) problems.push({where, message: `externalRules[${index}]: unknown field "${key}"`})
    }

    for (const key of ['seriesQuery', 'metricsQuery']) {
      if (typeof rule[key] !== 'string') problems.push({where, message: `externalRules[${index}]: "${key}" must be a string`})
    }
  }

  return problems
}

/** Render and check a kustomization directory. */
export async function checkKustomization(dir: string): Promise<ManifestProblem[]> {
  return checkManifests(parseManifests(renderKustomization(dir), dir), dir)
}

/** Check a plain YAML file (one or more documents). */
export async function checkManifestFile(file: string): Promise<ManifestProblem[]> {
  return checkManifests(parseManifests(readFileSync(file, 'utf8'), file), file)
}
