import {createMapper, type MappingFile, type RecordType} from '../mapping/index.js'
import {openSource, type InputFormat} from '../source/index.js'
import {TrackLimits} from '../cio/limits.js'
import {estimateRequests} from '../validation/index.js'

/** Rows read per file to measure row and entry sizes. */
const SAMPLE_ROWS = 1000

export interface SendEstimateInput {
  files: Array<{path: string; displayPath: string; format: InputFormat; resumeOffset?: number}>
  type: RecordType
  api: 'v1' | 'v2'
  mapping?: MappingFile
  rate: number
  maxBodyBytes?: number
}

export interface SendEstimate {
  files: Array<{path: string; bytes: number | null; rows: number | null; exact: boolean}>
  /** Bytes still to read, summed over the files whose size is known. */
  bytes: number
  /** Rows still to send, estimated; null when no file could be sampled (stdin). */
  rows: number | null
  requests: number | null
  durationSeconds: number | null
}

/**
 * What an import is about to send, for the question asked before a production run: each file's
 * size, and its rows and requests estimated from its first rows (a file read to its end in the sample
 * is counted exactly). Cheap: at most SAMPLE_ROWS rows per file are read.
 */
export async function estimateSend(input: SendEstimateInput): Promise<SendEstimate> {
  const files: SendEstimate['files'] = []
  let rows = 0
  let sampledRows = 0
  let entryBytes = 0
  let known = false
  let bytes = 0
  for (const file of input.files) {
    if (file.path === '-') {
      files.push({path: file.displayPath, bytes: null, rows: null, exact: false})
      continue
    }
    const start = file.resumeOffset ?? 0
    const source = await openSource(file.path, {format: file.format, ...(start > 0 ? {startOffset: start, startLine: 1} : {})})
    try {
      const mapper = createMapper({type: input.type, mapping: input.mapping, eventIdSeed: 'estimate', api: input.api})
      let count = 0
      let ended = true
      for await (const record of source.records()) {
        if (count === SAMPLE_ROWS) {
          ended = false
          break
        }
        count++
        const result = mapper.map(record)
        if (result.ok) {
          sampledRows++
          entryBytes += result.op.bytes
        }
      }
      const total = source.totalBytes === null ? null : Math.max(0, source.totalBytes - start)
      const read = Math.max(1, source.bytesRead() - start)
      const fileRows = ended || total === null ? count : Math.round((count * total) / read)
      files.push({path: file.displayPath, bytes: total, rows: fileRows, exact: ended})
      rows += fileRows
      bytes += total ?? 0
      known = true
    } finally {
      source.close()
    }
  }
  if (!known) return {files, bytes, rows: null, requests: null, durationSeconds: null}
  const avgEntryBytes = sampledRows === 0 ? 200 : Math.min(TrackLimits.batchEntryBytes, Math.ceil(entryBytes / sampledRows))
  const {requests} = estimateRequests({rows, avgEntryBytes, api: input.api, maxBodyBytes: input.maxBodyBytes})
  return {files, bytes, rows, requests, durationSeconds: Math.ceil(requests / input.rate)}
}
