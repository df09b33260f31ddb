import {join} from 'node:path'
import Database from 'better-sqlite3'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {Ledger} from '../../src/ledger/ledger.js'
import {parseJson, runCli, tempDir} from '../helpers/cli.js'

/** The tables as version 1 wrote them (before the lease and the repair pass). */
const V1_SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
  id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, status TEXT NOT NULL,
  type TEXT NOT NULL, api TEXT NOT NULL, site_id TEXT NOT NULL, host TEXT NOT NULL, config TEXT NOT NULL,
  owner_pid INTEGER, owner_host TEXT, requests_sent INTEGER NOT NULL DEFAULT 0,
  requests_throttled INTEGER NOT NULL DEFAULT 0, requests_retried INTEGER NOT NULL DEFAULT 0,
  active_ms INTEGER NOT NULL DEFAULT 0, last_error TEXT
);
CREATE TABLE run_files (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, file_index INTEGER NOT NULL, path TEXT NOT NULL,
  display_path TEXT NOT NULL, format TEXT NOT NULL, size INTEGER NOT NULL, mtime_ms REAL NOT NULL,
  head_hash TEXT NOT NULL, header TEXT, retry_file TEXT NOT NULL, done INTEGER NOT NULL DEFAULT 0,
  resume_line INTEGER NOT NULL DEFAULT 1, resume_offset INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (run_id, file_index)
);
CREATE TABLE acks (run_id TEXT NOT NULL, file_index INTEGER NOT NULL, first_line INTEGER NOT NULL,
  last_line INTEGER NOT NULL, succeeded INTEGER NOT NULL, PRIMARY KEY (run_id, file_index, first_line)) WITHOUT ROWID;
CREATE TABLE row_failures (run_id TEXT NOT NULL, file_index INTEGER NOT NULL, line INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('invalid', 'failed')), rule TEXT NOT NULL, reason TEXT NOT NULL, raw TEXT NOT NULL,
  PRIMARY KEY (run_id, file_index, line)) WITHOUT ROWID;
INSERT INTO meta VALUES ('schema_version', '1');
`

describe('a ledger written by version 1', () => {
  let dir: ReturnType<typeof tempDir>
  let state: string
  beforeEach(() => {
    dir = tempDir()
    state = join(dir.path, 'ledger.sqlite')
    const db = new Database(state)
    db.exec(V1_SCHEMA)
    // A run left 'running' by a process on another host, before leases existed.
    db.prepare(
      `INSERT INTO runs (id, created_at, updated_at, status, type, api, site_id, host, config, owner_pid, owner_host)
       VALUES ('01ARZ3NDEKTSV4RRFFQ69G5FAV', 1, 1, 'running', 'people', 'v2', 's', 'http://h', '{}', 12345, 'another-host')`,
    ).run()
    db.close()
  })
  afterEach(() => dir.cleanup())

  it('is upgraded in place on open: its runs are kept, with nothing repaired yet', () => {
    const ledger = Ledger.openExisting(state)!
    const run = ledger.getRun('01ARZ3NDEKTSV4RRFFQ69G5FAV')!
    expect(run).toMatchObject({status: 'running', repaired: 0})
    expect(ledger.ambiguousPeople(run.id).size).toBe(0)
    ledger.close()
    const db = new Database(state, {readonly: true})
    expect(db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get()).toBe('2')
    db.close()
  })

  it('is listed by runs', async () => {
    const listed = await runCli(['runs', '--state', state, '--json'], {cwd: dir.path})
    expect(listed.code, listed.stderr).toBe(0)
    expect(parseJson(listed.stdout).runs).toMatchObject([{runId: '01ARZ3NDEKTSV4RRFFQ69G5FAV', type: 'people'}])
  })
})
