/**
 * The Kubernetes objects of a sharded backfill: an Indexed Job whose pod I runs `import --shard I/N`, and the volume
 * that keeps each shard's ledger across pod retries. `plan --emit k8s DIR` writes them, so the plan a user reads is
 * the one they apply; deploy/k8s/backfill/ is the same output for an example plan.
 *
 * The volume: a retried index is a NEW pod (backoffLimitPerIndex needs restartPolicy Never, so emptyDir is gone),
 * and it must find its shard's ledger to resume exactly. SQLite's WAL needs a local filesystem (shared memory and
 * POSIX locks; it is unsafe on NFS, EFS, CephFS or SMB), so the ledgers live on ONE ReadWriteOnce block volume,
 * each shard in its own file, and every pod of the Job is pinned to the node that has the volume attached (pod
 * affinity to the Job's other pods). A StatefulSet would give each pod a volume of its own, but it never completes.
 * The input is read-only and may sit on a network filesystem (ReadOnlyMany) or be baked into an image.
 */

export interface BackfillSpec {
  /** Job name suffix: the Job is cio-backfill-<name>. */
  name: string
  image: string
  type: 'people' | 'events'
  /** Input paths as the pod sees them (under /input). */
  inputs: string[]
  /** Mapping file as the pod sees it, if any. */
  mapping?: string
  api: 'v1' | 'v2'
  shards: number
  /** The workspace's budget, shared by every shard through Redis (CIO_BUDGET_URL from the Secret). */
  rate: number
  concurrency: number
  region: 'us' | 'eu'
  /** Size of the ledger volume, e.g. "10Gi". */
  ledgerStorage: string
  /** ReadOnlyMany claim that holds the input files. */
  inputClaim: string
}

export const LEDGER_MOUNT = '/ledgers'
export const INPUT_MOUNT = '/input'
/** The exit codes that retrying cannot fix (README "Exit codes"): the index fails at once instead of retrying. */
export const FINAL_EXIT_CODES = [1, 2, 3]

type K8sObject = Record<string, unknown>

function labels(spec: BackfillSpec): Record<string, string> {
  return {'app.kubernetes.io/name': 'cio-backfill', 'app.kubernetes.io/component': 'backfill', 'app.kubernetes.io/instance': spec.name}
}

/** The CLI arguments of index `$(JOB_COMPLETION_INDEX)`; Kubernetes expands `$(VAR)` from the container's env. */
export function shardArgs(spec: BackfillSpec): string[] {
  return [
    'import',
    ...spec.inputs,
    '--type',
    spec.type,
    ...(spec.mapping ? ['--mapping', spec.mapping] : []),
    '--api',
    spec.api,
    '--shard',
    `$(JOB_COMPLETION_INDEX)/${spec.shards}`,
    '--budget',
    '$(CIO_BUDGET_URL)',
    '--rate',
    String(spec.rate),
    '--concurrency',
    String(spec.concurrency),
    '--region',
    spec.region,
    '--state',
    `${LEDGER_MOUNT}/shard-$(JOB_COMPLETION_INDEX)-of-${spec.shards}.sqlite`,
    // A retried pod continues its shard's run from the ledger instead of starting over.
    '--once',
    '--yes',
  ]
}

function secretEnv(name: string, key: string): K8sObject {
  return {name, valueFrom: {secretKeyRef: {name: 'cio-backfill-credentials', key}}}
}

export function backfillObjects(spec: BackfillSpec): K8sObject[] {
  const jobName = `cio-backfill-${spec.name}`
  const ledgerClaim = `${jobName}-ledgers`
  const pvc = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {name: ledgerClaim, labels: labels(spec)},
    spec: {accessModes: ['ReadWriteOnce'], resources: {requests: {storage: spec.ledgerStorage}}},
  }
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {name: jobName, labels: labels(spec)},
    spec: {
      completionMode: 'Indexed',
      completions: spec.shards,
      parallelism: spec.shards,
      // Each shard is retried on its own (a resume from its ledger); one failing shard never stops the others.
      backoffLimitPerIndex: 6,
      maxFailedIndexes: spec.shards,
      podFailurePolicy: {
        rules: [
          // Evictions, preemptions and node drains are not the shard's fault: retry without counting.
          {action: 'Ignore', onPodConditions: [{type: 'DisruptionTarget'}]},
          // 1 finished with failed rows (its retry file is on the volume), 2 configuration, 3 credentials.
          {action: 'FailIndex', onExitCodes: {containerName: 'import', operator: 'In', values: FINAL_EXIT_CODES}},
        ],
      },
      ttlSecondsAfterFinished: 7 * 24 * 3600,
      template: {
        metadata: {labels: labels(spec)},
        spec: {
          restartPolicy: 'Never',
          // SIGTERM stops the import resumably (exit 4) after its requests in flight finish (30 s at most).
          terminationGracePeriodSeconds: 60,
          automountServiceAccountToken: false,
          securityContext: {runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: {type: 'RuntimeDefault'}},
          affinity: {
            podAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                {labelSelector: {matchLabels: labels(spec)}, topologyKey: 'kubernetes.io/hostname'},
              ],
            },
          },
          containers: [
            {
              name: 'import',
              image: spec.image,
              args: shardArgs(spec),
              // Retry files are written beside the ledgers, on the volume.
              workingDir: LEDGER_MOUNT,
              env: [
                secretEnv('CIO_SITE_ID', 'site-id'),
                secretEnv('CIO_API_KEY', 'api-key'),
                secretEnv('CIO_BUDGET_URL', 'budget-url'),
                {name: 'CIO_BACKFILL_DATA_DIR', value: LEDGER_MOUNT},
              ],
              resources: {requests: {cpu: '1', memory: '384Mi'}, limits: {cpu: '1', memory: '512Mi'}},
              securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: ['ALL']}},
              volumeMounts: [
                {name: 'ledgers', mountPath: LEDGER_MOUNT},
                {name: 'input', mountPath: INPUT_MOUNT, readOnly: true},
                {name: 'tmp', mountPath: '/tmp'},
              ],
            },
          ],
          volumes: [
            {name: 'ledgers', persistentVolumeClaim: {claimName: ledgerClaim}},
            {name: 'input', persistentVolumeClaim: {claimName: spec.inputClaim, readOnly: true}},
            {name: 'tmp', emptyDir: {}},
          ],
        },
      },
    },
  }
  return [pvc, job]
}
