import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join, relative} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'

import {checkKustomization, checkManifests, type ManifestObject, parseManifests, renderKustomization} from '../../deploy/manifest-check.js'
import {parseJson, ROOT, runCli, tempDir} from '../helpers/cli.js'

const K8S = join(ROOT, 'deploy', 'k8s')

function kustomizations(dir: string): string[] {
  const found = readdirSync(dir).includes('kustomization.yaml') ? [dir] : []
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) found.push(...kustomizations(path))
  }

  return found
}

function render(dir: string): ManifestObject[] {
  return parseManifests(renderKustomization(join(K8S, dir)), dir)
}

const clone = <T>(value: T): T => structuredClone(value)

describe('deploy/k8s manifests, validated offline', () => {
  const dirs = kustomizations(K8S)

  it('finds the base, the scaling alternatives, the staging Redis and both overlays', () => {
    expect(dirs.map((d) => relative(K8S, d)).sort()).toEqual(
      expect.arrayContaining(['base', 'redis', 'scaling', 'overlays/staging', 'overlays/production']),
    )
  })

  for (const dir of kustomizations(K8S)) {
    it(`${relative(ROOT, dir)} renders with kustomize and every object passes the schema and unknown-field checks`, async () => {
      expect(await checkKustomization(dir)).toEqual([])
    })
  }
})

describe('the checks reject broken manifests', () => {
  let production: ManifestObject[]
  beforeAll(() => {
    production = render('overlays/production')
  })

  const find = (objects: ManifestObject[], kind: string) => objects.find((o) => o.kind === kind)!

  it('a typo in a field name (unknown field), with a suggestion', async () => {
    const hpa = clone(find(production, 'HorizontalPodAutoscaler')) as any
    hpa.spec.maxReplicaz = hpa.spec.maxReplicas
    const problems = await checkManifests([hpa], 'broken')
    expect(problems).toHaveLength(1)
    expect(problems[0].where).toBe('broken: HorizontalPodAutoscaler/cio-backfill-worker')
    expect(problems[0].message).toMatch(/maxReplicaz/)
    expect(problems[0].message).toMatch(/maxReplicas/)
  })

  it('a typo deep inside a pod template', async () => {
    const deployment = clone(find(production, 'Deployment')) as any
    deployment.spec.template.spec.containers[0].readinessProbe.httpGet.paht = '/healthz'
    const problems = await checkManifests([deployment], 'broken')
    expect(problems.map((p) => p.message).join('\n')).toMatch(/paht/)
  })

  it('a string where an integer belongs', async () => {
    const deployment = clone(find(production, 'Deployment')) as any
    deployment.spec.template.spec.containers[0].ports[0].containerPort = '9464'
    const messages = (await checkManifests([deployment], 'broken')).map((p) => p.message).join('\n')
    expect(messages).toMatch(/containerPort must be integer/)
  })

  it('a field of the wrong Kubernetes version and an unknown kind', async () => {
    const job = {apiVersion: 'batch/v1', kind: 'Job', metadata: {name: 'j'}, spec: {completionz: 3, template: {spec: {containers: []}}}}
    const crd = {apiVersion: 'example.com/v1', kind: 'Widget', metadata: {name: 'w'}}
    const problems = await checkManifests([job, crd], 'broken')
    expect(problems.some((p) => p.where === 'broken: Job/j' && /completionz/.test(p.message) && /completions/.test(p.message))).toBe(true)
    expect(problems.some((p) => p.where === 'broken: Widget/w' && /no schema/.test(p.message))).toBe(true)
  })

  it('an unknown key in prometheus-adapter rules', async () => {
    const [adapter] = render('scaling').filter((o) => o.kind === 'ConfigMap') as any[]
    const broken = clone(adapter)
    broken.data['config.yaml'] = broken.data['config.yaml'].replace('metricsQuery:', 'metricQuery:')
    const messages = (await checkManifests([broken], 'broken')).map((p) => p.message)
    expect(messages).toContain('externalRules[0]: unknown field "metricQuery"')
    expect(messages).toContain('externalRules[0]: "metricsQuery" must be a string')
  })
})

describe('what the worker manifests promise', () => {
  const staging = render('overlays/staging')
  const production = render('overlays/production')
  const of = (objects: ManifestObject[], kind: string) => objects.filter((o) => o.kind === kind) as any[]

  it('scales on queue depth as an External AverageValue metric (replicas = depth / target), never a per-pod average of a global number', () => {
    for (const objects of [staging, production]) {
      const [hpa] = of(objects, 'HorizontalPodAutoscaler')
      expect(hpa.spec.metrics.map((m: any) => m.type)).toEqual(['External'])
      expect(hpa.spec.metrics[0].external.metric.name).toBe('cio_queue_depth')
      expect(hpa.spec.metrics[0].external.target.type).toBe('AverageValue')
    }

    const [adapter] = of(render('scaling'), 'ConfigMap')
    expect(adapter.data['config.yaml']).toMatch(/metricsQuery: max by \(queue\)/)
  })

  it('takes credentials only from a Secret, never a literal in the manifest', () => {
    for (const objects of [staging, production]) {
      const [deployment] = of(objects, 'Deployment')
      const env = deployment.spec.template.spec.containers[0].env as any[]
      for (const name of ['CIO_SITE_ID', 'CIO_API_KEY', 'CIO_REDIS_URL', 'CIO_BUDGET_URL']) {
        const variable = env.find((e) => e.name === name)
        expect(variable?.valueFrom?.secretKeyRef?.name, name).toBe('cio-backfill-credentials')
        expect(variable.value, name).toBeUndefined()
      }

      expect(of(objects, 'Secret')).toEqual([])
      // Credentials stay in the environment: a process's arguments are visible to anyone who can list processes.
      expect(deployment.spec.template.spec.containers[0].args.join(' ')).not.toMatch(/REDIS_URL|BUDGET_URL|API_KEY|SITE_ID/)
    }
  })

  it('drains before it is killed: probes on /healthz, a grace period longer than the drain, a PodDisruptionBudget, surge-only rollouts', () => {
    for (const objects of [staging, production]) {
      const [deployment] = of(objects, 'Deployment')
      const pod = deployment.spec.template.spec
      const container = pod.containers[0]
      expect(container.args[0]).toBe('worker')
      expect(container.readinessProbe.httpGet.path).toBe('/healthz')
      expect(container.livenessProbe.httpGet.path).toBe('/healthz')
      // The drain: requests in flight finish within the 30 s request timeout, bounded by the 30 s drain timeout.
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(60)
      expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0)
      expect(of(objects, 'PodDisruptionBudget')).toHaveLength(1)
      expect(pod.securityContext.runAsNonRoot).toBe(true)
    }
  })

  it('staging brings its own Redis with noeviction (BullMQ needs it); production uses a managed one', () => {
    const [redis] = of(staging, 'StatefulSet')
    expect(redis.spec.template.spec.containers[0].args).toEqual(expect.arrayContaining(['--maxmemory-policy', 'noeviction']))
    expect(of(production, 'StatefulSet')).toEqual([])
  })
})

describe('plan --emit k8s', () => {
  // The arguments that wrote deploy/k8s/backfill (npm run deploy:example); run from another folder with
  // the same relative path, so the files must come out identical.
  const EXAMPLE = ['plan', '--rows', '400000000', '--rate', '800', '--emit', 'k8s', 'deploy/k8s/backfill', '--type', 'events', '--input', '/input/events.ndjson', '--name', 'events']

  it('writes a kustomization that passes the same checks, with the plan\'s shard count and the budget in every pod', async () => {
    const dir = tempDir()
    try {
      const result = await runCli([...EXAMPLE.slice(0, 7), join(dir.path, 'out'), ...EXAMPLE.slice(8), '--json'])
      expect(result.code, result.stderr).toBe(0)
      const plan = parseJson(result.stdout)
      expect(await checkKustomization(join(dir.path, 'out'))).toEqual([])
      const job = parseManifests(renderKustomization(join(dir.path, 'out')), 'out').find((o) => o.kind === 'Job') as any
      expect(plan.shards.recommended).toBeGreaterThan(1)
      expect(job.spec).toMatchObject({completionMode: 'Indexed', completions: plan.shards.recommended, parallelism: plan.shards.recommended})
      expect(job.spec.template.spec.restartPolicy).toBe('Never')
      const args: string[] = job.spec.template.spec.containers[0].args
      expect(args.join(' ')).toContain(`--shard $(JOB_COMPLETION_INDEX)/${plan.shards.recommended} --budget $(CIO_BUDGET_URL) --rate 800`)
      expect(args).toContain('--once')
      // The ledgers: one ReadWriteOnce volume, every pod pinned to the node that has it.
      const pvc = parseManifests(renderKustomization(join(dir.path, 'out')), 'out').find((o) => o.kind === 'PersistentVolumeClaim') as any
      expect(pvc.spec.accessModes).toEqual(['ReadWriteOnce'])
      expect(job.spec.template.spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname')
    } finally {
      dir.cleanup()
    }
  })

  it('deploy/k8s/backfill is what plan --emit k8s writes today (npm run deploy:example regenerates it)', async () => {
    const dir = tempDir()
    try {
      const result = await runCli(EXAMPLE, {cwd: dir.path})
      expect(result.code, result.stderr).toBe(0)
      for (const file of ['kustomization.yaml', 'backfill.yaml']) {
        const fresh = readFileSync(join(dir.path, 'deploy/k8s/backfill', file), 'utf8')
        expect(readFileSync(join(K8S, 'backfill', file), 'utf8'), `${file} is stale: npm run deploy:example`).toBe(fresh)
      }
    } finally {
      dir.cleanup()
    }
  })

  it('refuses --emit without a directory or for daily traffic', async () => {
    const noDir = await runCli(['plan', '--rows', '1000', '--emit', 'k8s'])
    expect(noDir.code).toBe(2)
    expect(noDir.stderr).toMatch(/--emit k8s writes a directory/)
    const daily = await runCli(['plan', '--daily-events', '1000', '--emit', 'k8s', 'x'])
    expect(daily.code).toBe(2)
    expect(daily.stderr).toMatch(/one-off backfill/)
  })
})
