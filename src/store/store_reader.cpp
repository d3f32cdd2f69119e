// Read-only queries over the store: status, rollups, chain verification, events, raw rows.
#include "store/store_reader.hpp"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "store/event_rows.hpp"
#include "store/evidence_timings.hpp"
#include "store/schema.hpp"

namespace netvigil {
namespace {

/// Splits stored evidence JSON into the probe's evidence and the unknown_failure detail, with
/// the row's timings (column `col` of `st`) put back in their places.
void split_evidence(const std::string& text, const sql::Stmt& st, int col,
                    nlohmann::json& evidence, std::string& detail) {
  evidence = nullptr;
  if (text.empty()) return;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return;
  if (!st.is_null(col)) {
    const auto blob = st.blob(col);
    merge_timings(j, blob.data(), blob.size());  // a mismatch leaves the placeholders
  }
  if (j.is_object()) {
    if (auto it = j.find("failure_detail"); it != j.end() && it->is_string()) {
      detail = it->get<std::string>();
      j.erase(it);
    }
    if (j.size() == 1 && j.contains("evidence_value")) j = j["evidence_value"];
    else if (j.empty()) j = nullptr;
  }
  evidence = std::move(j);
}

/// The timings column, or NULL in a schema-1 file (read-only readers never migrate).
std::string timings_column(sql::Db& db) {
  return db.scalar("PRAGMA user_version") >= 2 ? "m.timings" : "NULL";
}

std::int32_t phase(const sql::Stmt& st, int col) {
  return st.is_null(col) ? -1 : static_cast<std::int32_t>(st.i64(col));
}

Sha256 to_hash(const std::vector<unsigned char>& b) {
  Sha256 h{};
  if (b.size() == h.size()) std::copy(b.begin(), b.end(), h.begin());
  return h;
}

}  // namespace

StoreReader::StoreReader(const std::string& path)
    : path_(path), db_(path, SQLITE_OPEN_READONLY) {
  sqlite3_busy_timeout(db_.get(), 2000);
  // Fails here (not at first query) when the file is not a netvigil database.
  if (db_.scalar("PRAGMA user_version") < 1)
    throw sql::Error(SQLITE_NOTADB, path + ": not a netvigil database (no schema)");
}

std::vector<LastResult> StoreReader::last_per_probe() {
  sql::Stmt st(db_,
               "SELECT p.slug, p.kind, p.grp, p.service, m.id, m.ok, m.failure, m.op, m.method, "
               "m.total_us, m.status, e.json, " + timings_column(db_) + " FROM probes p "
               "JOIN measurements m ON m.id = p.last_id "
               "LEFT JOIN evidence e ON e.id = m.evidence ORDER BY p.slug");
  std::vector<LastResult> out;
  while (st.step()) {
    LastResult r;
    r.slug = st.text(0);
    r.kind = static_cast<ProbeKind>(st.i64(1));
    r.group = static_cast<Group>(st.i64(2));
    r.service = st.text(3);
    r.id = st.i64(4);
    r.t_unix_ms = measurement_time_ms(r.id);
    r.ok = st.i64(5) != 0;
    FailureInfo f{static_cast<Failure>(st.i64(6)), static_cast<Operation>(st.i64(7)), {}};
    nlohmann::json ev;
    split_evidence(st.text(11), st, 12, ev, f.detail);
    r.failure = f.failed() ? f.ooni_string() : std::string();
    r.op = f.op;
    r.method = static_cast<Method>(st.i64(8));
    r.total_us = phase(st, 9);
    r.status = static_cast<std::int32_t>(st.i64(10));
    out.push_back(std::move(r));
  }
  st.reset();
  return out;
}

void StoreReader::rollups(std::int64_t from_s, std::int64_t to_s,
                          const std::function<void(const Rollup&)>& cb) {
  sql::Stmt st(db_,
               "SELECT st.step_start, sc.name, r.attempts, r.successes, r.failures, "
               "r.throughput_bps, r.rtt_us FROM rollup_steps st JOIN rollups r ON r.seq = st.seq "
               "JOIN scopes sc ON sc.id = r.scope WHERE st.step_start >= ?1 AND st.step_start < ?2 "
               "ORDER BY st.step_start, st.seq, r.scope");
  st.bind(1, from_s).bind(2, to_s);
  while (st.step()) {
    Rollup r;
    r.step_start = st.i64(0);
    r.scope = st.text(1);
    r.attempts = static_cast<std::uint32_t>(st.i64(2));
    r.successes = static_cast<std::uint32_t>(st.i64(3));
    auto blob = st.blob(4);
    if (auto f = unpack_failures(blob.data(), blob.size())) r.failures_by_method = *f;
    r.throughput_bps = st.is_null(5) ? -1 : st.i64(5);
    r.rtt_us = st.is_null(6) ? -1 : static_cast<std::int32_t>(st.i64(6));
    cb(r);
  }
  st.reset();
}

void StoreReader::chain(const std::function<void(const ChainStep&)>& cb) {
  sql::Stmt st(db_,
               "SELECT st.seq, st.step_start, st.step_s, st.hash, sc.name, r.attempts, "
               "r.successes, r.failures, r.throughput_bps, r.rtt_us FROM rollup_steps st "
               "LEFT JOIN rollups r ON r.seq = st.seq LEFT JOIN scopes sc ON sc.id = r.scope "
               "ORDER BY st.seq, r.scope");
  ChainStep cur;
  bool have = false;
  while (st.step()) {
    const std::int64_t seq = st.i64(0);
    if (!have || seq != cur.seq) {
      if (have) cb(cur);
      cur = ChainStep{};
      cur.seq = seq;
      cur.step.step_start = st.i64(1);
      cur.step.step_s = static_cast<std::int32_t>(st.i64(2));
      cur.hash = to_hash(st.blob(3));
      have = true;
    }
    if (st.is_null(5)) continue;  // a step with no rollup rows left (tampering shows in the hash)
    Rollup r;
    r.step_start = cur.step.step_start;
    r.scope = st.text(4);
    r.attempts = static_cast<std::uint32_t>(st.i64(5));
    r.successes = static_cast<std::uint32_t>(st.i64(6));
    auto blob = st.blob(7);
    auto f = unpack_failures(blob.data(), blob.size());
    // A malformed blob cannot be what was hashed: mark it so the hash check fails.
    if (f) r.failures_by_method = *f;
    else r.failures_by_method.fill(0xffffffffu);
    r.throughput_bps = st.is_null(8) ? -1 : st.i64(8);
    r.rtt_us = st.is_null(9) ? -1 : static_cast<std::int32_t>(st.i64(9));
    cur.step.rollups.push_back(std::move(r));
  }
  st.reset();
  if (have) cb(cur);
}

std::optional<ChainStep> StoreReader::chain_head() {
  std::optional<ChainStep> last;
  sql::Stmt st(db_, "SELECT seq, step_start, step_s, hash FROM rollup_steps ORDER BY seq DESC LIMIT 1");
  if (st.step()) {
    ChainStep c;
    c.seq = st.i64(0);
    c.step.step_start = st.i64(1);
    c.step.step_s = static_cast<std::int32_t>(st.i64(2));
    c.hash = to_hash(st.blob(3));
    last = c;
  }
  st.reset();
  return last;
}

ChainVerification StoreReader::verify_chain() {
  ChainVerification v;
  Sha256 prev{};
  chain([&](const ChainStep& c) {
    if (!v.ok) return;
    ++v.steps;
    Sha256 expect = chain_hash(prev, c.step);
    if (expect != c.hash) {
      v.ok = false;
      v.first_bad_seq = c.seq;
      v.first_bad_step_start = c.step.step_start;
      v.message = "rollup step " + std::to_string(c.seq) + " (step_start " +
                  std::to_string(c.step.step_start) + "): stored hash " + to_hex(c.hash) +
                  " != recomputed " + to_hex(expect);
      return;
    }
    prev = c.hash;
  });
  if (v.ok) v.head = prev;
  return v;
}

std::vector<Event> StoreReader::query_events(const std::string& where, std::optional<std::int64_t> arg) {
  sql::Stmt st(db_, "SELECT id, " + std::string(kEventColumns) + " FROM events " + where +
                        " ORDER BY start, id");
  if (arg) st.bind(1, *arg);
  std::vector<Event> out;
  while (st.step()) out.push_back(read_event(st, 0));
  st.reset();
  return out;
}

std::vector<Event> StoreReader::events() { return query_events("", std::nullopt); }
std::vector<Event> StoreReader::events_since(std::int64_t since_s) {
  return query_events("WHERE end IS NULL OR end > ?1", since_s);
}
std::vector<Event> StoreReader::events_active() { return query_events("WHERE end IS NULL", std::nullopt); }

void StoreReader::measurements(std::int64_t from_ms, std::int64_t to_ms,
                               const std::function<void(const StoredMeasurement&)>& cb) {
  sql::Stmt st(db_,
               "SELECT m.id, p.slug, p.kind, p.grp, p.service, m.ok, m.failure, m.op, m.method, "
               "m.total_us, m.connect_us, m.tls_us, m.first_byte_us, m.resolve_us, m.status, "
               "m.bytes, e.json, " + timings_column(db_) + " FROM measurements m "
               "LEFT JOIN probes p ON p.id = (m.id & " + std::to_string(kProbeMask) + ") "
               "LEFT JOIN evidence e ON e.id = m.evidence WHERE m.id >= ?1 AND m.id < ?2 ORDER BY m.id");
  st.bind(1, measurement_id(from_ms, 0)).bind(2, measurement_id(to_ms, 0));
  while (st.step()) {
    StoredMeasurement s;
    s.id = st.i64(0);
    auto& m = s.m;
    m.probe_id = st.text(1);
    m.kind = static_cast<ProbeKind>(st.i64(2));
    m.group = static_cast<Group>(st.i64(3));
    m.service = st.text(4);
    m.started_unix_ms = measurement_time_ms(s.id);
    m.ok = st.i64(5) != 0;
    m.failure.code = static_cast<Failure>(st.i64(6));
    m.failure.op = static_cast<Operation>(st.i64(7));
    m.method = static_cast<Method>(st.i64(8));
    m.phases = {phase(st, 13), phase(st, 10), phase(st, 11), phase(st, 12), phase(st, 9)};
    m.http_status = static_cast<std::int32_t>(st.i64(14));
    m.bytes = st.i64(15);
    split_evidence(st.text(16), st, 17, m.evidence, m.failure.detail);
    cb(s);
  }
  st.reset();
}

void StoreReader::clock_trust(std::int64_t from_ms, std::int64_t to_ms,
                              const std::function<void(const ClockTrust&)>& cb) {
  sql::Stmt st(db_, "SELECT t, sync_state, max_error_us, est_error_us FROM clock "
                    "WHERE t >= ?1 AND t < ?2 ORDER BY t");
  st.bind(1, from_ms).bind(2, to_ms);
  while (st.step()) cb(ClockTrust{st.i64(0), st.i64(1) != 0, st.i64(2), st.i64(3)});
  st.reset();
}

std::optional<std::string> StoreReader::meta(const std::string& key) {
  sql::Stmt st(db_, "SELECT value FROM meta WHERE key = ?1");
  st.bind(1, key);
  std::optional<std::string> v;
  if (st.step()) v = st.text(0);
  st.reset();
  return v;
}

DbStats StoreReader::stats() {
  DbStats s;
  s.page_size = db_.scalar("PRAGMA page_size");
  s.page_count = db_.scalar("PRAGMA page_count");
  s.freelist_count = db_.scalar("PRAGMA freelist_count");
  std::error_code ec;
  for (const auto& f : {path_, path_ + "-wal"}) {
    auto n = std::filesystem::file_size(f, ec);
    if (!ec) s.file_bytes += static_cast<std::int64_t>(n);
  }
  for (const char* t : {"probes", "measurements", "evidence", "scopes", "rollup_steps", "rollups",
                        "events", "clock"})
    s.rows[t] = db_.scalar(std::string("SELECT count(*) FROM ") + t);
  // dbstat is optional in SQLite builds; without it the per-table bytes stay empty.
  try {
    sql::Stmt st(db_, "SELECT name, sum(pgsize) FROM dbstat GROUP BY name");
    while (st.step()) s.bytes[st.text(0)] = st.i64(1);
    st.reset();
  } catch (const sql::Error&) {
  }
  return s;
}

}  // namespace netvigil
