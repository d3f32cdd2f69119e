// Schema migrations. Sized for years on an SD card (see ARCHITECTURE.md "Storage"):
// narrow integer measurement rows keyed by a time-ordered id, evidence deduplicated by hash,
// per-step rollups keyed by a chain sequence, and the hash chain stored once per step.
#include "store/schema.hpp"

#include <array>
#include <string>

namespace netvigil {
namespace {

constexpr std::array<std::string_view, 2> kMigrations{
    R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

-- kind, grp: ProbeKind / Group codes (core/vocabulary.hpp). last_id: newest measurement id.
CREATE TABLE probes(
  id INTEGER PRIMARY KEY,
  slug TEXT NOT NULL UNIQUE,
  kind INTEGER NOT NULL,
  grp INTEGER NOT NULL,
  service TEXT NOT NULL DEFAULT '',
  last_id INTEGER);

-- Deduplicated evidence JSON. last_used: the newest measurement id referring to it, so pruning
-- needs no scan of measurements. unknown_failure detail lives here too (key "failure_detail").
CREATE TABLE evidence(
  id INTEGER PRIMARY KEY,
  hash BLOB NOT NULL UNIQUE,
  last_used INTEGER NOT NULL,
  json TEXT NOT NULL);

-- id = (t_unix_ms << 20) | probe (see schema.hpp). failure: Failure code; op: Operation;
-- method: Method; phases in microseconds, NULL when the phase did not happen.
CREATE TABLE measurements(
  id INTEGER PRIMARY KEY,
  ok INTEGER NOT NULL,
  failure INTEGER NOT NULL,
  op INTEGER NOT NULL,
  method INTEGER NOT NULL,
  total_us INTEGER,
  connect_us INTEGER,
  tls_us INTEGER,
  first_byte_us INTEGER,
  resolve_us INTEGER,
  status INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  evidence INTEGER REFERENCES evidence(id));

-- A readable view for humans with the sqlite3 shell.
CREATE VIEW measurement_rows AS
  SELECT m.id, m.id >> 20 AS t_ms, p.slug, p.kind, p.grp, p.service, m.ok, m.failure, m.op,
         m.method, m.total_us, m.connect_us, m.tls_us, m.first_byte_us, m.resolve_us,
         m.status, m.bytes, m.evidence
  FROM measurements m JOIN probes p ON p.id = (m.id & 1048575);

CREATE TABLE scopes(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);

-- One row per closed detector step, in the order written: the hash chain.
-- hash = SHA-256(previous hash || canonical bytes of the step and its rollups), rollup_chain.hpp.
CREATE TABLE rollup_steps(
  seq INTEGER PRIMARY KEY,
  step_start INTEGER NOT NULL,
  step_s INTEGER NOT NULL,
  hash BLOB NOT NULL);
CREATE INDEX rollup_steps_start ON rollup_steps(step_start, seq);

-- failures: NULL when none, else 6 varints indexed by Method. throughput_bps, rtt_us: NULL = none.
CREATE TABLE rollups(
  seq INTEGER NOT NULL,
  scope INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  successes INTEGER NOT NULL,
  failures BLOB,
  throughput_bps INTEGER,
  rtt_us INTEGER,
  PRIMARY KEY(seq, scope)) WITHOUT ROWID;

-- Detected windows (core/event.hpp). evidence, services_affected: JSON arrays.
CREATE TABLE events(
  id INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  scope TEXT NOT NULL,
  service TEXT NOT NULL,
  method TEXT NOT NULL,
  start INTEGER NOT NULL,
  end INTEGER,
  detected_at INTEGER NOT NULL,
  start_uncertainty_s INTEGER NOT NULL,
  min_index REAL NOT NULL,
  mean_index REAL NOT NULL,
  intl_index REAL NOT NULL,
  domestic_index REAL NOT NULL,
  evidence TEXT NOT NULL,
  method_version TEXT NOT NULL,
  shutdown_type TEXT NOT NULL,
  extent TEXT NOT NULL,
  network_type TEXT NOT NULL,
  services_affected TEXT NOT NULL,
  UNIQUE(type, scope, start));

-- The clock's trust per sweep (adjtimex): sync_state 1 = synchronised, 0 = not.
CREATE TABLE clock(
  t INTEGER PRIMARY KEY,
  sync_state INTEGER NOT NULL,
  max_error_us INTEGER NOT NULL,
  est_error_us INTEGER NOT NULL);
)sql",
    R"sql(
-- timings: the evidence's per-run "_us" values (resolve, connect, query durations) as zigzag
-- varints, store/evidence_timings.hpp; the shared evidence row holds 0 in their places, so
-- runs that differ only in timings reference one evidence row. NULL: nothing was split
-- (rows written before this migration, or evidence without timings). Adding a nullable
-- column rewrites nothing.
ALTER TABLE measurements ADD COLUMN timings BLOB;
)sql",
};

}  // namespace

std::span<const std::string_view> schema_migrations() noexcept { return kMigrations; }

int schema_version() noexcept { return static_cast<int>(kMigrations.size()); }

int apply_migrations(sql::Db& db) {
  auto current = db.scalar("PRAGMA user_version");
  if (current > schema_version())
    throw sql::Error(SQLITE_ERROR, "database schema version " + std::to_string(current) +
                                       " is newer than this netvigil (" +
                                       std::to_string(schema_version()) + ")");
  int applied = 0;
  for (auto v = current; v < schema_version(); ++v) {
    // BEGIN IMMEDIATE: a second process migrating at the same time waits, then sees the
    // new version and skips (re-checked inside the transaction).
    db.exec("BEGIN IMMEDIATE");
    try {
      if (db.scalar("PRAGMA user_version") == v) {
        db.exec(kMigrations[static_cast<std::size_t>(v)]);
        db.exec("PRAGMA user_version = " + std::to_string(v + 1));
        ++applied;
      }
      db.exec("COMMIT");
    } catch (...) {
      if (db.in_transaction()) db.exec("ROLLBACK");
      throw;
    }
  }
  return applied;
}

}  // namespace netvigil
