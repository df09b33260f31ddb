import Database from 'better-sqlite3'
import {mkdirSync} from 'node:fs'
import {hostname} from 'node:os'
import {dirname} from 'node:path'

import type {AckRange, RowCounts, RowFailure, RunConfig, RunFileRecord, RunRecord, RunStatus} from './records.js'
import {RESUMABLE} from './records.js'
import {SCHEMA_SQL, SCHEMA_VERSION} from './schema.js'

export class LedgerError extends Error {}

/** Everything one ledger commit makes durable at once. */
export interface ProgressCommit {
  acks: Array<{fileIndex: number; range: AckRange}>
  failures: RowFailure[]
  /** New resume points: everything before `line`/`offset` in the file is settled. */
  positions: Array<{fileIndex: number; line: number; offset: number; done: boolean}>
  requests: {sent: number; throttled: number; retried: number}
  activeMs: number
}

interface RunRow {
  id: string
  created_at: number
  updated_at: number
  status: RunStatus
  type: 'people' | 'events'
  api: 'v1' | 'v2'
  site_id: string
  host: string
  config: string
  requests_sent: number
  requests_throttled: number
  requests_retried: number
  active_ms: number
  last_error: string | null
  owner_pid: number | null
  owner_host: string | null
}

function toRun(row: RunRow): RunRecord {
  return {
    id: row.id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    status: row.status,
    type: row.type,
    api: row.api,
    siteId: row.site_id,
    host: row.host,
    config: JSON.parse(row.config) as RunConfig,
    requests: {sent: row.requests_sent, throttled: row.requests_throttled, retried: row.requests_retried},
    activeMs: row.active_ms,
    lastError: row.last_error,
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * The SQLite ledger (WAL): runs, their files and resume points, acknowledged batches and failed rows.
 * Every commit is one synchronous transaction, so whatever kills the process, the file holds a
 * consistent state to resume from.
 */
export class Ledger {
  private readonly db: Database.Database
  private readonly statements

  private constructor(readonly path: string) {
    mkdirSync(dirname(path), {recursive: true})
    try {
      this.db = new Database(path, {timeout: 5000})
      this.db.pragma('journal_mode = WAL')
      this.db.pragma('synchronous = NORMAL')
      this.db.pragma('foreign_keys = ON')
      this.db.exec(SCHEMA_SQL)
    } catch (error) {
      throw new LedgerError(`cannot open the ledger ${path}: ${(error as Error).message}`)
    }

    const version = this.db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get() as string | undefined
    if (version === undefined) {
      this.db.prepare(`INSERT INTO meta (key, value) VALUES ('schema_version', ?)`).run(String(SCHEMA_VERSION))
    } else if (Number(version) !== SCHEMA_VERSION) {
      throw new LedgerError(`the ledger ${path} has schema version ${version}; this cio-backfill understands ${SCHEMA_VERSION}`)
    }

    this.statements = {
      insertAck: this.db.prepare(
        `INSERT OR REPLACE INTO acks (run_id, file_index, first_line, last_line, succeeded) VALUES (?, ?, ?, ?, ?)`,
      ),
      insertFailure: this.db.prepare(
        `INSERT OR REPLACE INTO row_failures (run_id, file_index, line, kind, rule, reason, raw) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      updatePosition: this.db.prepare(
        `UPDATE run_files SET resume_line = ?, resume_offset = ?, done = ? WHERE run_id = ? AND file_index = ?`,
      ),
      addRequests: this.db.prepare(
        `UPDATE runs SET requests_sent = requests_sent + ?, requests_throttled = requests_throttled + ?,
           requests_retried = requests_retried + ?, active_ms = active_ms + ?, updated_at = ? WHERE id = ?`,
      ),
    }
  }

  static open(path: string): Ledger {
    return new Ledger(path)
  }

  createRun(run: Pick<RunRecord, 'id' | 'type' | 'api' | 'siteId' | 'host' | 'config'>, files: RunFileRecord[]): void {
    const now = Date.now()
    const insertFile = this.db.prepare(
      `INSERT INTO run_files (run_id, file_index, path, display_path, format, size, mtime_ms, head_hash, header, retry_file,
         done, resume_line, resume_offset) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
    )
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO runs (id, created_at, updated_at, status, type, api, site_id, host, config)
           VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?)`,
        )
        .run(run.id, now, now, run.type, run.api, run.siteId, run.host, JSON.stringify(run.config))
      for (const f of files) {
        insertFile.run(
          run.id, f.fileIndex, f.path, f.displayPath, f.format, f.size, f.mtimeMs, f.headHash, f.header, f.retryFile,
          f.resumeLine, f.resumeOffset,
        )
      }
    })()
  }

  getRun(id: string): RunRecord | null {
    const row = this.db.prepare(`SELECT * FROM runs WHERE id = ?`).get(id) as RunRow | undefined
    return row ? toRun(row) : null
  }

  listRuns(limit = 50): RunRecord[] {
    const rows = this.db.prepare(`SELECT * FROM runs ORDER BY created_at DESC, id DESC LIMIT ?`).all(limit) as RunRow[]
    return rows.map((row) => toRun(row))
  }

  /** The most recent run that still has work to do. */
  latestUnfinished(): RunRecord | null {
    return this.listRuns(1000).find((run) => RESUMABLE.has(run.status)) ?? null
  }

  /**
   * Runs (newest first) of exactly these inputs (resolved paths, in order) into this target: what an
   * import warns about and what a later run supersedes.
   */
  runsOf(paths: readonly string[], target: {host: string; siteId: string}): RunRecord[] {
    return this.listRuns(1000).filter((run) => {
      if (run.host !== target.host || run.siteId !== target.siteId) return false
      const files = this.runFiles(run.id)
      return files.length === paths.length && files.every((f, i) => f.path === paths[i])
    })
  }

  /** Points a run at another target: only for a run that nothing was acknowledged for (a wrong --endpoint or site id). */
  retarget(runId: string, target: {host: string; siteId: string}): void {
    this.db.prepare(`UPDATE runs SET host = ?, site_id = ? WHERE id = ?`).run(target.host, target.siteId, runId)
  }

  runFiles(runId: string): RunFileRecord[] {
    const rows = this.db.prepare(`SELECT * FROM run_files WHERE run_id = ? ORDER BY file_index`).all(runId) as Array<
      Record<string, unknown>
    >
    return rows.map((r) => ({
      fileIndex: r.file_index as number,
      path: r.path as string,
      displayPath: r.display_path as string,
      format: r.format as RunFileRecord['format'],
      size: r.size as number,
      mtimeMs: r.mtime_ms as number,
      headHash: r.head_hash as string,
      header: r.header as string | null,
      retryFile: r.retry_file as string,
      done: r.done === 1,
      resumeLine: r.resume_line as number,
      resumeOffset: r.resume_offset as number,
    }))
  }

  /**
   * Take the run for this process. Refuses while another live process holds it, so two processes
   * never send the same rows at once; a holder that died (kill -9, crash) no longer counts.
   */
  acquire(runId: string): void {
    this.db.transaction(() => {
      const row = this.db.prepare(`SELECT owner_pid, owner_host FROM runs WHERE id = ?`).get(runId) as
        | Pick<RunRow, 'owner_pid' | 'owner_host'>
        | undefined
      if (!row) throw new LedgerError(`no run ${runId} in ${this.path}`)
      const {owner_pid: pid, owner_host: host} = row
      if (pid !== null && pid !== process.pid) {
        if (host !== hostname()) {
          throw new LedgerError(`run ${runId} is held by process ${pid} on ${host}; stop it there first`)
        }

        if (isAlive(pid)) throw new LedgerError(`run ${runId} is already being processed by process ${pid}`)
      }

      this.db
        .prepare(`UPDATE runs SET owner_pid = ?, owner_host = ?, status = 'running', updated_at = ? WHERE id = ?`)
        .run(process.pid, hostname(), Date.now(), runId)
    }).immediate()
  }

  release(runId: string, status: RunStatus, lastError: string | null = null): void {
    this.db
      .prepare(`UPDATE runs SET owner_pid = NULL, owner_host = NULL, status = ?, last_error = ?, updated_at = ? WHERE id = ?`)
      .run(status, lastError, Date.now(), runId)
  }

  /** The CSV header as read, kept for the retry file. */
  setHeader(runId: string, fileIndex: number, header: string): void {
    this.db.prepare(`UPDATE run_files SET header = ? WHERE run_id = ? AND file_index = ?`).run(header, runId, fileIndex)
  }

  /** Make progress durable: acknowledged batches, failed rows and resume points together. */
  commit(runId: string, progress: ProgressCommit): void {
    const s = this.statements
    this.db.transaction(() => {
      for (const {fileIndex, range} of progress.acks) {
        s.insertAck.run(runId, fileIndex, range.firstLine, range.lastLine, range.succeeded)
      }

      for (const f of progress.failures) s.insertFailure.run(runId, f.fileIndex, f.line, f.kind, f.rule, f.reason, f.raw)
      for (const p of progress.positions) s.updatePosition.run(p.line, p.offset, p.done ? 1 : 0, runId, p.fileIndex)
      const r = progress.requests
      s.addRequests.run(r.sent, r.throttled, r.retried, Math.round(progress.activeMs), Date.now(), runId)
    })()
  }

  /** Acknowledged batches at or after a line: the rows a resume must not send again. */
  acksFrom(runId: string, fileIndex: number, line: number): AckRange[] {
    return (
      this.db
        .prepare(
          `SELECT first_line AS firstLine, last_line AS lastLine, succeeded FROM acks
           WHERE run_id = ? AND file_index = ? AND last_line >= ? ORDER BY first_line`,
        )
        .all(runId, fileIndex, line) as AckRange[]
    )
  }

  /** Lines at or after `line` already settled as failed or invalid. */
  failedLinesFrom(runId: string, fileIndex: number, line: number): number[] {
    return this.db
      .prepare(`SELECT line FROM row_failures WHERE run_id = ? AND file_index = ? AND line >= ? ORDER BY line`)
      .pluck()
      .all(runId, fileIndex, line) as number[]
  }

  counts(runId: string, fileIndex?: number): RowCounts {
    const fileFilter = fileIndex === undefined ? '' : ' AND file_index = ?'
    const params: unknown[] = fileIndex === undefined ? [runId] : [runId, fileIndex]
    const succeeded = this.db
      .prepare(`SELECT COALESCE(SUM(succeeded), 0) FROM acks WHERE run_id = ?${fileFilter}`)
      .pluck()
      .get(...params) as number
    const byKind = this.db
      .prepare(`SELECT kind, COUNT(*) AS n FROM row_failures WHERE run_id = ?${fileFilter} GROUP BY kind`)
      .all(...params) as Array<{kind: 'invalid' | 'failed'; n: number}>
    const counts: RowCounts = {succeeded, failed: 0, invalid: 0}
    for (const {kind, n} of byKind) counts[kind] = n
    return counts
  }

  /** Failed and invalid rows of one file in line order, streamed (there may be many). */
  failures(runId: string, fileIndex: number): IterableIterator<RowFailure> {
    return this.db
      .prepare(
        `SELECT file_index AS fileIndex, line, kind, rule, reason, raw FROM row_failures
         WHERE run_id = ? AND file_index = ? ORDER BY line`,
      )
      .iterate(runId, fileIndex) as IterableIterator<RowFailure>
  }

  /** Rule codes and counts of the run's failures, most frequent first. */
  failureRules(runId: string): Array<{kind: string; rule: string; count: number}> {
    return this.db
      .prepare(
        `SELECT kind, rule, COUNT(*) AS count FROM row_failures WHERE run_id = ? GROUP BY kind, rule ORDER BY count DESC`,
      )
      .all(runId) as Array<{kind: string; rule: string; count: number}>
  }

  close(): void {
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)')
    } finally {
      this.db.close()
    }
  }
}
