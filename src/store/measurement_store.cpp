// MeasurementStore: open/migrate, the bounded queue, and the writer thread's loop.
#include "store/measurement_store.hpp"

#include <filesystem>

#include "store/evidence_timings.hpp"
#include "store/schema.hpp"
#include "store/sqlite.hpp"
#include "store/store_writer.hpp"

namespace netvigil {

namespace {

using Steady = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kBusyRetry{100};
constexpr int kMaxConsecutiveErrors = 3;

/// Serialises evidence (keys sorted by nlohmann::json, so equal evidence hashes equally) and
/// folds in the unknown_failure detail, which has no column of its own. Per-run timings go to
/// `timings`, so evidence that differs only in them is stored once.
std::string stored_evidence(const Measurement& m, std::string& timings) {
  const auto& detail = m.failure.detail;
  if (detail.empty() && (m.evidence.is_null() || (m.evidence.is_object() && m.evidence.empty())))
    return {};
  nlohmann::json j;
  if (m.evidence.is_object() || m.evidence.is_null()) {
    j = m.evidence.is_null() ? nlohmann::json::object() : m.evidence;
  } else {
    j = nlohmann::json::object();
    j["evidence_value"] = m.evidence;
  }
  if (!detail.empty()) j["failure_detail"] = detail;
  timings = split_timings(j);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

struct MeasurementStore::Impl {
  sql::Db db;
  StoreWriter writer;
  Impl(const std::string& path, const StoreOptions& o)
      : db(open(path, o)), writer(db, o.prune_chunk) {}

  static sql::Db open(const std::string& path, const StoreOptions& o) {
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    sql::Db db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    sqlite3_busy_timeout(db.get(), static_cast<int>(o.busy_timeout.count()));
    sql::Stmt wal(db, "PRAGMA journal_mode = WAL");
    std::string mode = wal.step() ? wal.text(0) : "";
    wal.reset();
    if (mode != "wal") throw std::runtime_error(path + ": cannot enable WAL (mode " + mode + ")");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA journal_size_limit = 4194304");
    db.exec("PRAGMA wal_autocheckpoint = 1000");
    apply_migrations(db);
    sql::Stmt created(db, "INSERT OR IGNORE INTO meta(key, value) VALUES('created_unix_ms', ?1)");
    created.bind(1, o.clock->unix_ms()).run();
    return db;
  }
};

MeasurementStore::MeasurementStore(StoreOptions options) : options_(std::move(options)) {
  if (!options_.clock) options_.clock = &system_clock_;
  impl_ = std::make_unique<Impl>(options_.path, options_);
  sql::Stmt probes(impl_->db, "SELECT id, slug, kind, grp, service, coalesce(last_id, 0) FROM probes");
  while (probes.step()) {
    ProbeSlot slot{probes.i64(0), static_cast<ProbeKind>(probes.i64(2)),
                   static_cast<Group>(probes.i64(3)), probes.text(4), probes.i64(5), -1};
    next_probe_ = std::max(next_probe_, slot.number + 1);
    probes_.emplace(probes.text(1), std::move(slot));
  }
  probes.reset();
  writer_ = std::thread([this] { run_writer(); });
}

MeasurementStore::~MeasurementStore() { stop(); }

std::int64_t MeasurementStore::now_ms() const { return options_.clock->unix_ms(); }

std::int64_t MeasurementStore::enqueue(const Measurement& m) {
  PendingRow row;
  row.ok = m.ok;
  row.failure = m.failure.code;
  row.op = m.failure.op;
  row.method = m.method;
  row.phases = m.phases;
  row.status = m.http_status;
  row.bytes = m.bytes;
  row.evidence_json = stored_evidence(m, row.timings);

  std::lock_guard lk(mu_);
  if (stopping_ || stopped_) {
    health_.dropped.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  auto it = probes_.find(m.probe_id);
  if (it == probes_.end()) {
    if (next_probe_ > kProbeMask) {
      health_.dropped.fetch_add(1, std::memory_order_relaxed);
      return 0;
    }
    it = probes_.emplace(m.probe_id, ProbeSlot{next_probe_++, m.kind, m.group, m.service, 0, -1}).first;
    queue_.commands.emplace_back(ProbeDef{it->second.number, m.probe_id, m.kind, m.group, m.service});
  } else if (it->second.kind != m.kind || it->second.group != m.group || it->second.service != m.service) {
    it->second.kind = m.kind;
    it->second.group = m.group;
    it->second.service = m.service;
    queue_.commands.emplace_back(ProbeDef{it->second.number, m.probe_id, m.kind, m.group, m.service});
  }
  auto& slot = it->second;
  row.id = measurement_id(m.started_unix_ms, slot.number);
  // Two runs of one probe stamped with the same millisecond would share a key: keep both,
  // 1 ms apart. (Rarer collisions, e.g. after a restart, are moved by the writer.)
  if (m.started_unix_ms == slot.last_t && slot.last_id != 0)
    row.id = slot.last_id + (std::int64_t{1} << kProbeBits);
  slot.last_t = m.started_unix_ms;
  slot.last_id = row.id;
  const std::int64_t id = row.id;

  queue_bytes_ += row.memory_bytes();
  queue_.rows.push_back(std::move(row));
  while (queue_.rows.size() > options_.buffer_rows || queue_bytes_ > options_.buffer_bytes) {
    queue_bytes_ -= queue_.rows.front().memory_bytes();
    queue_.rows.pop_front();
    health_.dropped.fetch_add(1, std::memory_order_relaxed);
  }
  if (queue_.rows.size() >= options_.max_batch_rows) wake_.notify_one();
  return id;
}

void MeasurementStore::push_command(StoreCommand c) {
  std::lock_guard lk(mu_);
  if (stopping_ || stopped_) return;
  queue_.commands.push_back(std::move(c));
}

void MeasurementStore::enqueue_rollups(RollupStep step) { push_command(std::move(step)); }
void MeasurementStore::enqueue_clock(const ClockTrust& c) { push_command(c); }
void MeasurementStore::upsert_event(Event e) { push_command(std::move(e)); }
void MeasurementStore::replace_all_events(std::vector<Event> events) {
  push_command(EventsReplace{std::move(events)});
}
void MeasurementStore::prune_before(std::int64_t cutoff_unix_ms) {
  push_command(PruneRequest{cutoff_unix_ms});
}
void MeasurementStore::set_meta(std::string key, std::string value) {
  push_command(MetaSet{std::move(key), std::move(value)});
}
void MeasurementStore::set_max_page_count(std::int64_t pages) { push_command(PageLimit{pages}); }

bool MeasurementStore::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lk(mu_);
  if (stopped_) return queue_.empty();
  const auto gen = ++flush_requested_;
  wake_.notify_one();
  if (!done_.wait_for(lk, timeout, [&] { return flush_done_ >= gen || stopped_; })) return false;
  return flush_done_ >= gen && flush_ok_;
}

void MeasurementStore::stop(std::chrono::milliseconds timeout) {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
    stop_timeout_ = timeout;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
  std::lock_guard lk(mu_);
  stopped_ = true;
  done_.notify_all();
}

void MeasurementStore::bound(WriteBatch& b) {
  std::size_t bytes = 0;
  for (const auto& r : b.rows) bytes += r.memory_bytes();
  while (!b.rows.empty() && (b.rows.size() > options_.buffer_rows || bytes > options_.buffer_bytes)) {
    bytes -= b.rows.front().memory_bytes();
    b.rows.pop_front();
    health_.dropped.fetch_add(1, std::memory_order_relaxed);
  }
}

void MeasurementStore::run_writer() {
  WriteBatch pending;
  // One deadline drives the loop: a commit interval after success, kBusyRetry after a held
  // lock, retry_interval after a disk error.
  auto next_attempt = Steady::now() + options_.commit_interval;
  auto next_prune = Steady::now();
  bool in_error = false;
  std::uint64_t seen = 0;
  bool stopping = false;
  Steady::time_point stop_deadline{};
  int consecutive_errors = 0;
  while (true) {
    bool forced = false;
    {
      std::unique_lock lk(mu_);
      wake_.wait_until(lk, next_attempt, [&] {
        return stopping_ || flush_requested_ > seen ||
               (!in_error && queue_.rows.size() >= options_.max_batch_rows);
      });
      for (auto& r : queue_.rows) pending.rows.push_back(std::move(r));
      for (auto& c : queue_.commands) pending.commands.push_back(std::move(c));
      queue_.rows.clear();
      queue_.commands.clear();
      queue_bytes_ = 0;
      forced = flush_requested_ > seen;
      seen = flush_requested_;
      if (stopping_ && !stopping) {
        stopping = true;
        stop_deadline = Steady::now() + stop_timeout_;
      }
    }
    auto now = Steady::now();
    if (options_.raw_retention.count() > 0 && now >= next_prune) {
      pending.commands.emplace_back(PruneRequest{now_ms() - options_.raw_retention.count()});
      next_prune = now + options_.prune_every;
    }
    bound(pending);
    const bool attempt = !pending.empty() && (forced || stopping || now >= next_attempt ||
                                              (!in_error && pending.rows.size() >= options_.max_batch_rows));
    bool flush_failed = false;
    if (attempt) {
      int code = 0;
      std::string text;
      auto outcome = impl_->writer.write(pending, code, text);
      now = Steady::now();
      if (outcome == StoreWriter::Outcome::ok) {
        consecutive_errors = 0;
        in_error = false;
        // A prune with more to remove continues at once; otherwise wait for the next batch.
        next_attempt = pending.empty() ? now + options_.commit_interval : now;
        health_.committed.fetch_add(impl_->writer.last_rows(), std::memory_order_relaxed);
        health_.pruned.fetch_add(static_cast<std::uint64_t>(impl_->writer.last_pruned()),
                                 std::memory_order_relaxed);
        health_.batches.fetch_add(1, std::memory_order_relaxed);
        health_.last_success_unix_ms.store(now_ms(), std::memory_order_relaxed);
        health_.disk_error.store(false, std::memory_order_relaxed);
      } else if (outcome == StoreWriter::Outcome::busy) {
        health_.last_error_code.store(code, std::memory_order_relaxed);
        health_.busy_retries.fetch_add(1, std::memory_order_relaxed);
        next_attempt = now + kBusyRetry;
      } else {
        health_.last_error_code.store(code, std::memory_order_relaxed);
        health_.write_errors.fetch_add(1, std::memory_order_relaxed);
        health_.disk_error.store(outcome == StoreWriter::Outcome::disk, std::memory_order_relaxed);
        in_error = true;
        next_attempt = now + options_.retry_interval;
        flush_failed = true;
        // A batch SQLite rejects for a reason other than the disk or a lock would block
        // every later write: after a few tries it is dropped and counted.
        if (outcome == StoreWriter::Outcome::error && ++consecutive_errors >= kMaxConsecutiveErrors) {
          health_.dropped.fetch_add(pending.rows.size(), std::memory_order_relaxed);
          pending = WriteBatch{};
          consecutive_errors = 0;
        }
      }
    } else if (pending.empty() && now >= next_attempt) {
      next_attempt = now + options_.commit_interval;
    }
    const bool exit_now =
        stopping && (pending.empty() || flush_failed || Steady::now() >= stop_deadline);
    {
      std::lock_guard lk(mu_);
      // Buffered = the batch being retried plus what queued behind it since the last try.
      health_.buffered.store(pending.rows.size() + queue_.rows.size(), std::memory_order_relaxed);
      if (pending.empty() || flush_failed || exit_now) {
        flush_done_ = seen;
        flush_ok_ = pending.empty();
        done_.notify_all();
      }
    }
    if (exit_now) {
      health_.dropped.fetch_add(pending.rows.size(), std::memory_order_relaxed);
      health_.buffered.store(0, std::memory_order_relaxed);
      return;
    }
  }
}

}  // namespace netvigil
