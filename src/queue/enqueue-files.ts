import {Queue} from 'bullmq'
import type {Redis} from 'ioredis'

import {createMapper, type MappingFile} from '../mapping/index.js'
import type {RecordType} from '../mapping/types.js'
import {RetryFileWriter} from '../reporting/retry-file.js'
import {fingerprintInput, openSource} from '../source/index.js'
import type {InputFormat} from '../source/types.js'
import {jobOf, OPERATION_JOB_OPTIONS, type OperationJobData, type OperationJobName} from './job-data.js'

export interface EnqueueRequest {
  inputs: string[]
  type: RecordType
  format?: InputFormat
  mapping?: MappingFile
  connection: Redis
  queue: string
  /** Where a file's invalid rows go. */
  retryFileFor: (input: string, format: InputFormat) => string
  /** Jobs per addBulk call. */
  chunkSize?: number
  signal?: AbortSignal
}

export interface EnqueueFileSummary {
  path: string
  read: number
  enqueued: number
  invalid: number
  retryFile: string | null
}

export interface EnqueueSummary {
  queue: string
  read: number
  enqueued: number
  invalid: number
  files: EnqueueFileSummary[]
  durationMs: number
}

type BulkJob = {name: OperationJobName; data: OperationJobData; opts: typeof OPERATION_JOB_OPTIONS & {jobId: string}}

/**
 * Reads files as import does (reader, mapping, rules) and enqueues each valid row as one job. Job ids
 * come from the input's fingerprint and the line, so running it again after a crash adds no row twice
 * while its job still exists; event ids are the ones import would derive for the same file.
 */
export async function enqueueFiles(request: EnqueueRequest): Promise<EnqueueSummary> {
  const startedAt = performance.now()
  const queue = new Queue<OperationJobData, unknown, OperationJobName>(request.queue, {connection: request.connection})
  const files: EnqueueFileSummary[] = []
  try {
    for (const input of request.inputs) {
      if (request.signal?.aborted) break
      files.push(await enqueueFile(input, request, queue))
    }
  } finally {
    await queue.close()
  }

  const sum = (key: 'read' | 'enqueued' | 'invalid') => files.reduce((n, f) => n + f[key], 0)
  return {
    queue: request.queue,
    read: sum('read'),
    enqueued: sum('enqueued'),
    invalid: sum('invalid'),
    files,
    durationMs: Math.round(performance.now() - startedAt),
  }
}

async function enqueueFile(input: string, request: EnqueueRequest, queue: Queue): Promise<EnqueueFileSummary> {
  const fingerprint = await fingerprintInput(input)
  const source = await openSource(input, {format: request.format, signal: request.signal})
  let mapper
  try {
    mapper = createMapper({type: request.type, mapping: request.mapping, columns: source.columns, eventIdSeed: `${fingerprint.headHash}:${fingerprint.size}`})
  } catch (error) {
    source.close()
    const e = error as Error
    if (e.name === 'MappingError' || e.name === 'ColumnsError') e.message = `${input}: ${e.message}`
    throw error
  }

  const idPrefix = `${request.type}-${fingerprint.headHash.slice(0, 16)}-${fingerprint.size}`
  const retryPath = request.retryFileFor(input, source.format)
  const rejects = new RetryFileWriter(retryPath, source.format, source.header)
  const chunkSize = request.chunkSize ?? 1000
  const summary: EnqueueFileSummary = {path: input, read: 0, enqueued: 0, invalid: 0, retryFile: null}
  let chunk: BulkJob[] = []
  const addChunk = async () => {
    if (chunk.length === 0) return
    await queue.addBulk(chunk)
    summary.enqueued += chunk.length
    chunk = []
  }

  try {
    for await (const record of source.records()) {
      summary.read++
      const result = mapper.map(record)
      if (!result.ok) {
        summary.invalid++
        await rejects.add({fileIndex: 0, line: record.line, kind: 'invalid', rule: result.violation.rule, reason: result.violation.message, raw: record.raw})
        continue
      }

      const {name, data} = jobOf(result.op, `${input}:${record.line}`)
      chunk.push({name, data, opts: {...OPERATION_JOB_OPTIONS, jobId: `${idPrefix}-${record.line}`}})
      if (chunk.length >= chunkSize) await addChunk()
    }

    await addChunk()
  } finally {
    await rejects.close()
  }

  if (summary.invalid > 0) summary.retryFile = retryPath
  return summary
}
