// One transaction per batch: probes, measurement rows with deduplicated evidence, rollup
// steps with their hash chain, clock trust, events, and retention pruning.
#include "store/store_writer.hpp"

#include <algorithm>
#include <type_traits>

#include "store/event_rows.hpp"
#include "store/schema.hpp"

namespace netvigil {

struct StoreWriter::Staged {
  std::unordered_map<std::int64_t, std::pair<Sha256, std::int64_t>> last_evidence;
  std::unordered_map<std::string, std::int64_t> scopes;
  std::map<std::int64_t, std::int64_t> evidence_used;  // evidence id → newest row id
  std::map<std::int64_t, std::int64_t> probe_last;     // probe → newest row id
  Sha256 head{};
  bool pruned_evidence = false;
  std::size_t rows = 0;
  std::int64_t pruned = 0;
};

namespace {

constexpr int kMaxKeyBumps = 1000;

std::optional<std::int64_t> phase(std::int32_t us) {
  return us < 0 ? std::nullopt : std::optional<std::int64_t>(us);
}

}  // namespace

StoreWriter::StoreWriter(sql::Db& db, std::size_t prune_chunk)
    : db_(db),
      prune_chunk_(prune_chunk),
      begin_(db, "BEGIN IMMEDIATE"),
      commit_(db, "COMMIT"),
      rollback_(db, "ROLLBACK"),
      upsert_probe_(db,
                    "INSERT INTO probes(id, slug, kind, grp, service) VALUES(?1, ?2, ?3, ?4, ?5) "
                    "ON CONFLICT(id) DO UPDATE SET slug = excluded.slug, kind = excluded.kind, "
                    "grp = excluded.grp, service = excluded.service"),
      probe_last_(db, "UPDATE probes SET last_id = max(coalesce(last_id, 0), ?2) WHERE id = ?1"),
      insert_row_(db,
                  "INSERT INTO measurements(id, ok, failure, op, method, total_us, connect_us, "
                  "tls_us, first_byte_us, resolve_us, status, bytes, evidence, timings) "
                  "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"),
      find_evidence_(db, "SELECT id FROM evidence WHERE hash = ?1"),
      insert_evidence_(db, "INSERT INTO evidence(hash, last_used, json) VALUES(?1, ?2, ?3)"),
      touch_evidence_(db, "UPDATE evidence SET last_used = max(last_used, ?2) WHERE id = ?1"),
      find_scope_(db, "SELECT id FROM scopes WHERE name = ?1"),
      insert_scope_(db, "INSERT INTO scopes(name) VALUES(?1)"),
      insert_step_(db, "INSERT INTO rollup_steps(step_start, step_s, hash) VALUES(?1, ?2, ?3)"),
      insert_rollup_(db,
                     "INSERT INTO rollups(seq, scope, attempts, successes, failures, "
                     "throughput_bps, rtt_us) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
      insert_clock_(db, "INSERT OR REPLACE INTO clock(t, sync_state, max_error_us, est_error_us) "
                        "VALUES(?1, ?2, ?3, ?4)"),
      upsert_event_(db, "INSERT INTO events(" + std::string(kEventColumns) +
                            ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
                            "?14, ?15, ?16, ?17, ?18) ON CONFLICT(type, scope, start) DO UPDATE "
                            "SET service = excluded.service, method = excluded.method, "
                            "end = excluded.end, detected_at = excluded.detected_at, "
                            "start_uncertainty_s = excluded.start_uncertainty_s, "
                            "min_index = excluded.min_index, mean_index = excluded.mean_index, "
                            "intl_index = excluded.intl_index, "
                            "domestic_index = excluded.domestic_index, "
                            "evidence = excluded.evidence, "
                            "method_version = excluded.method_version, "
                            "shutdown_type = excluded.shutdown_type, extent = excluded.extent, "
                            "network_type = excluded.network_type, "
                            "services_affected = excluded.services_affected"),
      delete_events_(db, "DELETE FROM events"),
      prune_rows_(db,
                  "DELETE FROM measurements WHERE id IN (SELECT id FROM measurements "
                  "WHERE id < ?1 AND id NOT IN (SELECT value FROM events, "
                  "json_each(events.evidence)) LIMIT ?2)"),
      // Chunked like the rows: one prune never needs a WAL as large as the evidence it frees.
      prune_evidence_(db,
                      "DELETE FROM evidence WHERE id IN (SELECT id FROM evidence "
                      "WHERE last_used < ?1 AND id NOT IN ("
                      "SELECT m.evidence FROM measurements m WHERE m.evidence IS NOT NULL AND "
                      "m.id IN (SELECT value FROM events, json_each(events.evidence))) LIMIT ?2)"),
      set_meta_(db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)") {
  sql::Stmt head(db, "SELECT hash FROM rollup_steps ORDER BY seq DESC LIMIT 1");
  if (head.step()) {
    auto h = head.blob(0);
    if (h.size() == head_.size()) std::copy(h.begin(), h.end(), head_.begin());
  }
  head.reset();
}

StoreWriter::Outcome StoreWriter::write(WriteBatch& batch, int& error_code, std::string& error_text) {
  Staged s;
  s.head = head_;
  bool prune_complete = true;
  try {
    begin_.run();
    // Page limits and probe definitions first: the rows below depend on them.
    for (const auto& c : batch.commands) {
      if (const auto* p = std::get_if<ProbeDef>(&c)) apply_probe(*p);
      if (const auto* l = std::get_if<PageLimit>(&c))
        db_.exec("PRAGMA max_page_count = " + std::to_string(l->max_pages > 0 ? l->max_pages : 1073741823));
    }
    for (auto& r : batch.rows) apply_row(r, s);
    for (const auto& [probe, id] : s.probe_last) probe_last_.bind(1, probe).bind(2, id).run();
    for (const auto& [ev, id] : s.evidence_used) touch_evidence_.bind(1, ev).bind(2, id).run();
    for (const auto& c : batch.commands) {
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, RollupStep>) {
              apply_step(v, s);
            } else if constexpr (std::is_same_v<T, ClockTrust>) {
              insert_clock_.bind(1, v.t_unix_ms).bind(2, v.synced ? 1 : 0);
              insert_clock_.bind(3, v.max_error_us).bind(4, v.est_error_us).run();
            } else if constexpr (std::is_same_v<T, Event>) {
              bind_event(upsert_event_, 1, v);
              upsert_event_.run();
            } else if constexpr (std::is_same_v<T, EventsReplace>) {
              delete_events_.run();
              for (const auto& e : v.events) {
                bind_event(upsert_event_, 1, e);
                upsert_event_.run();
              }
            } else if constexpr (std::is_same_v<T, MetaSet>) {
              set_meta_.bind(1, v.key).bind(2, v.value).run();
            } else if constexpr (std::is_same_v<T, PruneRequest>) {
              if (!apply_prune(v)) prune_complete = false;
              s.pruned_evidence = true;
            }
          },
          c);
    }
    s.pruned = last_pruned_candidate_;
    commit_.run();
  } catch (const sql::Error& e) {
    error_code = e.code();
    error_text = e.what();
    if (db_.in_transaction()) {
      try {
        rollback_.run();
      } catch (const sql::Error&) {
        // The connection rolls back by itself when it cannot; nothing more to do.
      }
    }
    last_pruned_candidate_ = 0;
    if (sql::is_busy(e.primary())) return Outcome::busy;
    if (sql::is_disk(e.primary())) return Outcome::disk;
    return Outcome::error;
  }

  // Committed: adopt what the transaction learnt.
  if (s.pruned_evidence) last_evidence_.clear();
  for (auto& [k, v] : s.last_evidence) last_evidence_[k] = v;
  for (auto& [k, v] : s.scopes) scopes_[k] = v;
  head_ = s.head;
  last_rows_ = batch.rows.size();
  last_pruned_ = s.pruned;
  last_pruned_candidate_ = 0;
  batch.rows.clear();
  std::deque<StoreCommand> keep;
  if (!prune_complete)
    for (auto& c : batch.commands)
      if (std::holds_alternative<PruneRequest>(c)) keep.push_back(std::move(c));
  batch.commands = std::move(keep);
  return Outcome::ok;
}

void StoreWriter::apply_probe(const ProbeDef& p) {
  upsert_probe_.bind(1, p.number).bind(2, p.slug).bind(3, static_cast<int>(p.kind));
  upsert_probe_.bind(4, static_cast<int>(p.group)).bind(5, p.service).run();
}

void StoreWriter::apply_row(PendingRow& r, Staged& s) {
  const std::int64_t probe = measurement_probe(r.id);
  std::optional<std::int64_t> ev;
  if (!r.evidence_json.empty()) ev = evidence_id(probe, r.id, r.evidence_json, s);
  for (int attempt = 0;; ++attempt) {
    try {
      insert_row_.bind(1, r.id).bind(2, r.ok ? 1 : 0).bind(3, static_cast<int>(r.failure));
      insert_row_.bind(4, static_cast<int>(r.op)).bind(5, static_cast<int>(r.method));
      insert_row_.bind_opt(6, phase(r.phases.total_us)).bind_opt(7, phase(r.phases.connect_us));
      insert_row_.bind_opt(8, phase(r.phases.tls_us)).bind_opt(9, phase(r.phases.first_byte_us));
      insert_row_.bind_opt(10, phase(r.phases.resolve_us));
      insert_row_.bind(11, r.status).bind(12, r.bytes).bind_opt(13, ev);
      if (ev && !r.timings.empty())
        insert_row_.bind_blob(14, r.timings.data(), r.timings.size());
      else
        insert_row_.bind_null(14);
      insert_row_.run();
      break;
    } catch (const sql::Error& e) {
      // Same probe, same millisecond (a clock stepped back, or a duplicate hand-off): keep
      // both by moving this one 1 ms later.
      if (e.code() != SQLITE_CONSTRAINT_PRIMARYKEY || attempt >= kMaxKeyBumps) throw;
      r.id += std::int64_t{1} << kProbeBits;
    }
  }
  ++s.rows;
  auto& last = s.probe_last[probe];
  last = std::max(last, r.id);
  if (ev) {
    auto& used = s.evidence_used[*ev];
    used = std::max(used, r.id);
  }
}

std::int64_t StoreWriter::evidence_id(std::int64_t probe, std::int64_t row_id,
                                      const std::string& json, Staged& s) {
  Sha256 h = sha256(json);
  auto staged = s.last_evidence.find(probe);
  if (staged != s.last_evidence.end() && staged->second.first == h) return staged->second.second;
  auto committed = last_evidence_.find(probe);
  if (staged == s.last_evidence.end() && committed != last_evidence_.end() &&
      committed->second.first == h)
    return committed->second.second;
  std::int64_t id = 0;
  find_evidence_.bind_blob(1, h.data(), h.size());
  if (find_evidence_.step()) {
    id = find_evidence_.i64(0);
    find_evidence_.reset();
  } else {
    find_evidence_.reset();
    insert_evidence_.bind_blob(1, h.data(), h.size()).bind(2, row_id).bind(3, json).run();
    id = sqlite3_last_insert_rowid(db_.get());
  }
  s.last_evidence[probe] = {h, id};
  return id;
}

std::int64_t StoreWriter::scope_id(const std::string& name, Staged& s) {
  if (auto it = scopes_.find(name); it != scopes_.end()) return it->second;
  if (auto it = s.scopes.find(name); it != s.scopes.end()) return it->second;
  std::int64_t id = 0;
  find_scope_.bind(1, name);
  if (find_scope_.step()) {
    id = find_scope_.i64(0);
    find_scope_.reset();
  } else {
    find_scope_.reset();
    insert_scope_.bind(1, name).run();
    id = sqlite3_last_insert_rowid(db_.get());
  }
  s.scopes[name] = id;
  return id;
}

void StoreWriter::apply_step(const RollupStep& step, Staged& s) {
  if (step.rollups.empty()) return;  // no attempts at all: a gap, not a row
  std::vector<std::pair<std::int64_t, const Rollup*>> rows;
  for (const auto& r : step.rollups) rows.emplace_back(scope_id(r.scope, s), &r);
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  RollupStep canonical{step.step_start, step.step_s, {}};
  for (const auto& [id, r] : rows) canonical.rollups.push_back(*r);
  Sha256 h = chain_hash(s.head, canonical);
  insert_step_.bind(1, step.step_start).bind(2, step.step_s).bind_blob(3, h.data(), h.size()).run();
  std::int64_t seq = sqlite3_last_insert_rowid(db_.get());
  for (const auto& [id, r] : rows) {
    insert_rollup_.bind(1, seq).bind(2, id).bind(3, static_cast<std::int64_t>(r->attempts));
    insert_rollup_.bind(4, static_cast<std::int64_t>(r->successes));
    std::string f = pack_failures(r->failures_by_method);
    if (f.empty())
      insert_rollup_.bind_null(5);
    else
      insert_rollup_.bind_blob(5, f.data(), f.size());
    insert_rollup_.bind_opt(6, r->throughput_bps == -1 ? std::nullopt
                                                       : std::optional<std::int64_t>(r->throughput_bps));
    insert_rollup_.bind_opt(7, r->rtt_us == -1 ? std::nullopt : std::optional<std::int64_t>(r->rtt_us));
    insert_rollup_.run();
  }
  s.head = h;
}

bool StoreWriter::apply_prune(const PruneRequest& p) {
  const std::int64_t cutoff = measurement_id(p.cutoff_ms, 0);
  prune_rows_.bind(1, cutoff).bind(2, static_cast<std::int64_t>(prune_chunk_)).run();
  auto removed = db_.changes();
  last_pruned_candidate_ += removed;
  if (static_cast<std::size_t>(removed) >= prune_chunk_) return false;
  prune_evidence_.bind(1, cutoff).bind(2, static_cast<std::int64_t>(prune_chunk_)).run();
  return static_cast<std::size_t>(db_.changes()) < prune_chunk_;
}

}  // namespace netvigil
