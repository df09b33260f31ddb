import Database from 'better-sqlite3'
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync} from 'node:fs'
import {hostname, tmpdir} from 'node:os'
import {dirname, join} from 'node:path'

import type {AckRange, RowCounts, RowFailure, RunConfig, RunFileRecord, RunRecord, RunStatus} from './records.js'
import {RESUMABLE} from './records.js'
import {LedgerError, ledgerWriteError} from './ledger-errors.js'
import {describeHolder, isThisProcess, type LeaseHolder, looksAlive, quickVerdict, STALE_AFTER_MS} from './lease.js'
import {MIGRATE_1_TO_2_SQL, SCHEMA_SQL, SCHEMA_VERSION} from './schema.js'

export {LedgerError} from './ledger-errors.js'

/** Everything one ledger commit makes durable at once. */
export interface ProgressCommit {
  acks: Array<{fileIndex: number; range: AckRange}>
  failures: RowFailure[]
  /** New resume points: everything before `line`/`offset` in the file is settled. */
  positions: Array<{fileIndex: number; line: number; offset: number; done: boolean}>
  requests: {sent: number; throttled: number; retried: number}
  activeMs: number
  /** People of a batch that had an attempt with an unknown outcome: the repair pass sends their last row again. */
  ambiguousPeople?: string[]
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
  owner_seen_at?: number | null
  repaired?: number
}

function holderOf(row: Pick<RunRow, 'owner_pid' | 'owner_host' | 'owner_seen_at'>): LeaseHolder | null {
  if (row.owner_pid === null || row.owner_host === null) return null
  return {pid: row.owner_pid, host: row.owner_host, seenAt: row.owner_seen_at ?? null}
}

/** A run left 'running' by a holder that no longer renews its lease was interrupted (kill -9, a crash). */
function effectiveStatus(row: RunRow): RunStatus {
  if (row.status !== 'running') return row.status
  const holder = holderOf(row)
  return holder === null || !looksAlive(holder) ? 'interrupted' : 'running'
}

function toRun(row: RunRow): RunRecord {
  return {
    id: row.id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    status: effectiveStatus(row),
    type: row.type,
    api: row.api,
    siteId: row.site_id,
    host: row.host,
    config: JSON.parse(row.config) as RunConfig,
    requests: {sent: row.requests_sent, throttled: row.requests_throttled, retried: row.requests_retried},
    activeMs: row.active_ms,
    lastError: row.last_error,
    repaired: row.repaired ?? 0,
  }
}

export interface AcquireOptions {
  /** Take the run even from a holder that looks alive (--break-lock): for when that cannot be decided. */
  breakLock?: boolean
  /** Told when waiting to see whether the holder still renews its lease. */
  onWait?: (message: string) => void
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** SQLite's answers when the file or its folder cannot be written (a read-only mount, permissions). */
const READ_ONLY_CODES = new Set(['SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_READONLY_DIRECTORY', 'SQLITE_READONLY_RECOVERY', 'SQLITE_PERM'])

function openFailure(path: string, error: unknown): LedgerError {
  const e = error as Error & {code?: string}
  if (e.code === 'SQLITE_NOTADB' || e.code === 'SQLITE_CORRUPT') {
    return new LedgerError(`cannot open the ledger ${path}: it is not a cio-backfill ledger (not an SQLite database, or damaged)`, e.code)
  }

  return new LedgerError(`cannot open the ledger ${path}: ${e.message}${e.code ? ` (${e.code})` : ''}`, e.code)
}

/** `--state /a-file/ledger.sqlite`: say so, rather than "no runs" for a path that can never hold a ledger. */
function assertNoFileInPath(path: string): void {
  for (let folder = dirname(path); folder !== dirname(folder); folder = dirname(folder)) {
    if (!existsSync(folder)) continue
    if (!statSync(folder).isDirectory()) {
      throw new LedgerError(`cannot open the ledger ${path}: ${folder} is a file, not a folder`)
    }

    return
  }
}

function prepareFolder(path: string): void {
  const folder = dirname(path)
  try {
    mkdirSync(folder, {recursive: true})
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    const why = e.code === 'EEXIST' || e.code === 'ENOTDIR' ? 'a part of that path is a file, not a folder' : e.message
    throw new LedgerError(`cannot create the folder ${folder} for the ledger: ${why}`, e.code)
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

  private constructor(
    readonly path: string,
    db: Database.Database,
    /** A read-only ledger is read from a private copy, removed on close. */
    private readonly copyDir: string | null = null,
  ) {
    this.db = db
    let version: string | undefined
    try {
      if (copyDir === null) {
        this.db.pragma('journal_mode = WAL')
        this.db.pragma('synchronous = NORMAL')
        this.db.pragma('foreign_keys = ON')
        this.db.exec(SCHEMA_SQL)
      }

      version = this.db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get() as string | undefined
      if (version === undefined && copyDir === null) {
        this.db.prepare(`INSERT INTO meta (key, value) VALUES ('schema_version', ?)`).run(String(SCHEMA_VERSION))
      } else if (Number(version) === 1 && copyDir === null) {
        this.db.transaction(() => {
          this.db.exec(MIGRATE_1_TO_2_SQL)
          this.db.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(SCHEMA_VERSION))
        })()
      } else if (Number(version) !== SCHEMA_VERSION && Number(version) !== 1) {
        throw new LedgerError(`the ledger ${path} has schema version ${version}; this cio-backfill understands ${SCHEMA_VERSION}`)
      }
    } catch (error) {
      this.db.close()
      if (error instanceof LedgerError) throw error
      throw openFailure(path, error)
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
      insertAmbiguous: this.db.prepare(`INSERT OR IGNORE INTO ambiguous_people (run_id, person_key) VALUES (?, ?)`),
      addRequests: this.db.prepare(
        `UPDATE runs SET requests_sent = requests_sent + ?, requests_throttled = requests_throttled + ?,
           requests_retried = requests_retried + ?, active_ms = active_ms + ?, updated_at = ? WHERE id = ?`,
      ),
    }
  }

  /** Open the ledger to write to it, creating it (and its folder) when it does not exist: for import. */
  static open(path: string): Ledger {
    prepareFolder(path)
    let db: Database.Database
    try {
      db = new Database(path, {timeout: 5000})
    } catch (error) {
      throw openFailure(path, error)
    }

    return new Ledger(path, db)
  }

  /**
   * Open a ledger that must already exist, or null when there is none (resume, runs: they never
   * create one). With `readOnlyOk`, a ledger that cannot be written (a read-only mount) is read
   * from a private copy, so it can still be listed.
   */
  static openExisting(path: string, options: {readOnlyOk?: boolean} = {}): Ledger | null {
    if (!existsSync(path)) {
      assertNoFileInPath(path)
      return null
    }

    if (statSync(path).isDirectory()) throw new LedgerError(`cannot open the ledger ${path}: it is a folder, not a file`)
    let db: Database.Database
    try {
      db = new Database(path, {timeout: 5000, fileMustExist: true})
      return new Ledger(path, db)
    } catch (error) {
      const code = (error as {code?: string}).code ?? ''
      if (!options.readOnlyOk || !READ_ONLY_CODES.has(code)) throw error instanceof LedgerError ? error : openFailure(path, error)
    }

    return Ledger.readCopy(path)
  }

  private static readCopy(path: string): Ledger {
    const copyDir = mkdtempSync(join(tmpdir(), 'cio-backfill-ledger-'))
    const copy = join(copyDir, 'ledger.sqlite')
    try {
      copyFileSync(path, copy)
      if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`)
      return new Ledger(path, new Database(copy, {readonly: true, fileMustExist: true}), copyDir)
    } catch (error) {
      rmSync(copyDir, {recursive: true, force: true})
      throw error instanceof LedgerError ? error : openFailure(path, error)
    }
  }

  createRun(run: Pick<RunRecord, 'id' | 'type' | 'api' | 'siteId' | 'host' | 'config'>, files: RunFileRecord[]): void {
    const now = Date.now()
    const insertFile = this.db.prepare(
      `INSERT INTO run_files (run_id, file_index, path, display_path, format, size, mtime_ms, head_hash, header, retry_file,
         done, resume_line, resume_offset) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
    )
    this.write(() => this.db.transaction(() => {
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
    })())
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

  private holder(runId: string): LeaseHolder | null {
    const row = this.db.prepare(`SELECT owner_pid, owner_host, owner_seen_at FROM runs WHERE id = ?`).get(runId) as
      | Pick<RunRow, 'owner_pid' | 'owner_host' | 'owner_seen_at'>
      | undefined
    if (!row) throw new LedgerError(`no run ${runId} in ${this.path}`)
    return holderOf(row)
  }

  /**
   * Take the run for this process, so two processes never send the same rows at once. A holder that
   * renews its lease is alive and refuses us; one that is gone (its pid is dead here, or its lease
   * stands still for STALE_AFTER_MS while we watch) no longer counts, on any host. `breakLock` takes
   * the run whatever the holder looks like.
   */
  async acquire(runId: string, options: AcquireOptions = {}): Promise<void> {
    const first = this.holder(runId)
    if (first && !isThisProcess(first) && !options.breakLock && quickVerdict(first) === 'unknown') {
      options.onWait?.(`run ${runId} is held by ${describeHolder(first)}; waiting up to ${STALE_AFTER_MS / 1000}s to see whether it is still alive`)
      const watchUntil = Date.now() + STALE_AFTER_MS
      while (Date.now() < watchUntil) {
        await sleep(250)
        const now = this.holder(runId)
        if (now === null || isThisProcess(now) || quickVerdict(now) === 'dead') break
        if (now.pid !== first.pid || now.host !== first.host || now.seenAt !== first.seenAt) {
          throw new LedgerError(
            `run ${runId} is already being processed by ${describeHolder(now)} (it renews its lock); stop it first, ` +
              'or pass --break-lock if you are sure it is gone',
          )
        }
      }
    }

    this.write(() =>
      this.db.transaction(() => {
        const now = this.holder(runId)
        // Someone else took it while we watched: they are alive.
        if (now && first && !isThisProcess(now) && !options.breakLock && (now.pid !== first.pid || now.host !== first.host)) {
          throw new LedgerError(`run ${runId} was just taken by ${describeHolder(now)}; stop it first`)
        }

        this.db
          .prepare(`UPDATE runs SET owner_pid = ?, owner_host = ?, owner_seen_at = ?, status = 'running', updated_at = ? WHERE id = ?`)
          .run(process.pid, hostname(), Date.now(), Date.now(), runId)
      }).immediate(),
    )
  }

  /** Renew this process's lease on a run (every RENEW_EVERY_MS while it holds it). */
  renewLease(runId: string): void {
    this.write(() =>
      this.db
        .prepare(`UPDATE runs SET owner_seen_at = ? WHERE id = ? AND owner_pid = ? AND owner_host = ?`)
        .run(Date.now(), runId, process.pid, hostname()),
    )
  }

  release(runId: string, status: RunStatus, lastError: string | null = null): void {
    this.write(() =>
      this.db
        .prepare(`UPDATE runs SET owner_pid = NULL, owner_host = NULL, status = ?, last_error = ?, updated_at = ? WHERE id = ?`)
        .run(status, lastError, Date.now(), runId),
    )
  }

  /** The CSV header as read, kept for the retry file. */
  setHeader(runId: string, fileIndex: number, header: string): void {
    this.write(() => this.db.prepare(`UPDATE run_files SET header = ? WHERE run_id = ? AND file_index = ?`).run(header, runId, fileIndex))
  }

  /** Make progress durable: acknowledged batches, failed rows and resume points together. */
  commit(runId: string, progress: ProgressCommit): void {
    const s = this.statements
    this.write(() => this.db.transaction(() => {
      for (const {fileIndex, range} of progress.acks) {
        s.insertAck.run(runId, fileIndex, range.firstLine, range.lastLine, range.succeeded)
      }

      for (const f of progress.failures) s.insertFailure.run(runId, f.fileIndex, f.line, f.kind, f.rule, f.reason, f.raw)
      for (const p of progress.positions) s.updatePosition.run(p.line, p.offset, p.done ? 1 : 0, runId, p.fileIndex)
      for (const key of progress.ambiguousPeople ?? []) s.insertAmbiguous.run(runId, key)
      const r = progress.requests
      s.addRequests.run(r.sent, r.throttled, r.retried, Math.round(progress.activeMs), Date.now(), runId)
    })())
  }

  /** Run a write; a failure (disk full, I/O error, read-only) becomes a LedgerError with a sentence. */
  private write<T>(fn: () => T): T {
    try {
      return fn()
    } catch (error) {
      throw ledgerWriteError(this.path, error)
    }
  }

  /** People touched by an attempt with an unknown outcome and not repaired yet. */
  ambiguousPeople(runId: string): Set<string> {
    const keys = this.db.prepare(`SELECT person_key FROM ambiguous_people WHERE run_id = ?`).pluck().all(runId) as string[]
    return new Set(keys)
  }

  /** The repair pass sent every such person's last row again: forget them, count them. */
  finishRepair(runId: string, repaired: number): void {
    this.write(() =>
      this.db.transaction(() => {
        this.db.prepare(`DELETE FROM ambiguous_people WHERE run_id = ?`).run(runId)
        this.db.prepare(`UPDATE runs SET repaired = repaired + ?, updated_at = ? WHERE id = ?`).run(repaired, Date.now(), runId)
      })(),
    )
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

  /**
   * Delete runs and everything recorded for them (files, acknowledgements, failed rows), in one
   * transaction. A run a live process holds is skipped: its owner would write into a deleted run.
   */
  deleteRuns(runIds: string[]): string[] {
    const deleted: string[] = []
    const statements = ['acks', 'row_failures', 'ambiguous_people', 'run_files', 'runs'].map((table) =>
      this.db.prepare(`DELETE FROM ${table} WHERE ${table === 'runs' ? 'id' : 'run_id'} = ?`),
    )
    this.db.transaction(() => {
      for (const id of runIds) {
        const row = this.db.prepare(`SELECT owner_pid, owner_host, owner_seen_at FROM runs WHERE id = ?`).get(id) as
          | Pick<RunRow, 'owner_pid' | 'owner_host' | 'owner_seen_at'>
          | undefined
        if (!row) continue
        // Never delete a run that a live process holds (its lease is still renewed).
        const holder = holderOf(row)
        if (holder && looksAlive(holder)) continue
        for (const statement of statements) statement.run(id)
        deleted.push(id)
      }
    }).immediate()
    return deleted
  }

  /** Customer.io's reasons for the rows it rejected, with counts, most frequent first. */
  rejectionReasons(runId: string, limit = 10): Array<{reason: string; count: number}> {
    return this.db
      .prepare(
        `SELECT reason, COUNT(*) AS count FROM row_failures WHERE run_id = ? AND rule = 'rejected_by_api'
         GROUP BY reason ORDER BY count DESC, reason LIMIT ?`,
      )
      .all(runId, limit) as Array<{reason: string; count: number}>
  }

  close(): void {
    try {
      if (this.copyDir === null) this.db.pragma('wal_checkpoint(TRUNCATE)')
    } catch {
      // A full disk can refuse the checkpoint; the WAL keeps every commit and the next open replays it.
    } finally {
      this.db.close()
      if (this.copyDir !== null) rmSync(this.copyDir, {recursive: true, force: true})
    }
  }
}
