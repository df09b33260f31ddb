/**
 * The ledger's tables. Acknowledged work is kept as line ranges per batch (a few thousand rows for a
 * 10M-row file in v2), not per row; per-row entries exist only for rows that failed or were invalid,
 * because those are what the retry file is rebuilt from.
 */
export const SCHEMA_VERSION = 2

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  type TEXT NOT NULL,
  api TEXT NOT NULL,
  site_id TEXT NOT NULL,
  host TEXT NOT NULL,
  config TEXT NOT NULL,
  owner_pid INTEGER,
  owner_host TEXT,
  owner_seen_at INTEGER,
  repaired INTEGER NOT NULL DEFAULT 0,
  requests_sent INTEGER NOT NULL DEFAULT 0,
  requests_throttled INTEGER NOT NULL DEFAULT 0,
  requests_retried INTEGER NOT NULL DEFAULT 0,
  active_ms INTEGER NOT NULL DEFAULT 0,
  last_error TEXT
);

CREATE TABLE IF NOT EXISTS run_files (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  file_index INTEGER NOT NULL,
  path TEXT NOT NULL,
  display_path TEXT NOT NULL,
  format TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ms REAL NOT NULL,
  head_hash TEXT NOT NULL,
  header TEXT,
  retry_file TEXT NOT NULL,
  done INTEGER NOT NULL DEFAULT 0,
  resume_line INTEGER NOT NULL DEFAULT 1,
  resume_offset INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, file_index)
);

CREATE TABLE IF NOT EXISTS acks (
  run_id TEXT NOT NULL,
  file_index INTEGER NOT NULL,
  first_line INTEGER NOT NULL,
  last_line INTEGER NOT NULL,
  succeeded INTEGER NOT NULL,
  PRIMARY KEY (run_id, file_index, first_line)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS row_failures (
  run_id TEXT NOT NULL,
  file_index INTEGER NOT NULL,
  line INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('invalid', 'failed')),
  rule TEXT NOT NULL,
  reason TEXT NOT NULL,
  raw TEXT NOT NULL,
  PRIMARY KEY (run_id, file_index, line)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS ambiguous_people (
  run_id TEXT NOT NULL,
  person_key TEXT NOT NULL,
  PRIMARY KEY (run_id, person_key)
) WITHOUT ROWID;
`

/**
 * Version 1 -> 2: the owner's lease (owner_seen_at), and what the repair pass needs (people touched by
 * an attempt whose outcome is unknown, and how many were repaired). Applied in place on open.
 */
export const MIGRATE_1_TO_2_SQL = `
ALTER TABLE runs ADD COLUMN owner_seen_at INTEGER;
ALTER TABLE runs ADD COLUMN repaired INTEGER NOT NULL DEFAULT 0;
`
