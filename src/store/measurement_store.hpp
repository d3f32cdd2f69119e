// The write side of the SQLite store: a bounded queue drained by one writer thread.
//
// Durability choices (ARCHITECTURE.md "Storage"):
// * WAL mode with synchronous=NORMAL: a commit is not fsynced, the WAL is synced at each
//   checkpoint. A power loss may lose the last commits (at most the last ~second of results
//   plus whatever the OS had not written), but never corrupts the database: WAL frames carry
//   checksums and an incomplete tail is ignored on recovery. FULL would fsync every second on
//   an SD card for no integrity gain.
// * wal_autocheckpoint stays on (1000 pages); checkpoints therefore run inside COMMIT on the
//   writer thread, never on the event loop. journal_size_limit trims the WAL afterwards.
// * One writer thread (not short commits on the loop): an fsync on an SD card can take
//   hundreds of milliseconds, and a disk-full condition needs a buffer that outlives a failed
//   transaction; the queue is both. enqueue() only takes a mutex for a push.
// * SQLITE_BUSY / SQLITE_LOCKED (a long reader holding an exclusive lock): busy_timeout inside
//   SQLite, then the batch is retried every 100 ms; nothing is dropped while it waits.
// * SQLITE_FULL / SQLITE_IOERR: the batch is rolled back and kept in memory (bounded: the newest
//   rows are kept, the oldest dropped and counted), retried every retry_interval, and
//   StoreHealth says so.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/event.hpp"
#include "core/measurement.hpp"
#include "store/clock_trust.hpp"
#include "store/rollup_chain.hpp"
#include "store/store_health.hpp"
#include "store/store_items.hpp"

namespace netvigil {

struct StoreOptions {
  std::string path;                                   ///< database file; parent dirs are created
  std::chrono::milliseconds commit_interval{1000};    ///< a batch commits at least this often
  std::chrono::milliseconds retry_interval{5000};     ///< retry delay after a disk error
  std::chrono::milliseconds busy_timeout{1000};       ///< SQLite busy handler per attempt
  std::size_t max_batch_rows = 5000;                  ///< commit early when this many wait
  std::size_t buffer_rows = 20000;                    ///< measurements held in memory at most
  std::size_t buffer_bytes = 16u << 20;               ///< and at most this much memory
  std::chrono::milliseconds raw_retention{0};         ///< prune raw rows older; 0 keeps all
  std::chrono::milliseconds prune_every{3'600'000};   ///< how often retention runs
  std::size_t prune_chunk = 20000;                    ///< rows deleted per transaction
  const Clock* clock = nullptr;                       ///< wall clock; nullptr = system clock
};

/// Owns the database's write connection and its writer thread. Thread-safe: every public
/// member may be called from any thread; none blocks on the disk except flush() and stop().
class MeasurementStore {
 public:
  /// Creates the parent directory and the database if missing, sets WAL, applies migrations
  /// and starts the writer thread. Throws sql::Error / std::runtime_error (start-up only).
  explicit MeasurementStore(StoreOptions options);
  ~MeasurementStore();
  MeasurementStore(const MeasurementStore&) = delete;
  MeasurementStore& operator=(const MeasurementStore&) = delete;

  /// Queues a measurement; never blocks on I/O. Returns its id (time-ordered, stable: events
  /// refer to it), or 0 when the store is stopped. A later collision on the same probe and
  /// millisecond moves the stored row 1 ms later.
  std::int64_t enqueue(const Measurement& m);
  /// Queues a closed rollup step; the writer links it into the hash chain.
  void enqueue_rollups(RollupStep step);
  /// Queues one clock-trust sample (one per sweep).
  void enqueue_clock(const ClockTrust& c);
  /// Inserts or updates an event, keyed by (type, scope, start).
  void upsert_event(Event e);
  /// Replaces every stored event in one transaction (`detect --rebuild`).
  void replace_all_events(std::vector<Event> events);
  /// Removes raw rows older than cutoff (except those events refer to) and their evidence.
  void prune_before(std::int64_t cutoff_unix_ms);
  /// Sets a key in the meta table (e.g. a signed chain head, vantage labels).
  void set_meta(std::string key, std::string value);
  /// Test seam: PRAGMA max_page_count on the write connection (0 restores the default).
  void set_max_page_count(std::int64_t pages);

  /// Blocks until everything queued before the call is committed (true), or a disk error
  /// stopped it, or `timeout` passed (false). Never call it from the loop in steady state.
  bool flush(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Flushes (retrying for up to `timeout`) and stops the writer. Idempotent.
  void stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  const StoreHealth& health() const noexcept { return health_; }
  const std::string& path() const noexcept { return options_.path; }

 private:
  struct ProbeSlot {
    std::int64_t number;
    ProbeKind kind;
    Group group;
    std::string service;
    std::int64_t last_id;  // id given to the newest enqueued run
    std::int64_t last_t;   // its requested start time (ms)
  };
  void push_command(StoreCommand c);
  void run_writer();
  void bound(WriteBatch& b);
  std::int64_t now_ms() const;

  StoreOptions options_;
  SystemClock system_clock_;
  StoreHealth health_;
  struct Impl;
  std::unique_ptr<Impl> impl_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable done_;
  WriteBatch queue_;                 // guarded by mu_
  std::size_t queue_bytes_ = 0;      // guarded by mu_
  std::unordered_map<std::string, ProbeSlot> probes_;  // guarded by mu_
  std::int64_t next_probe_ = 1;      // guarded by mu_
  std::uint64_t flush_requested_ = 0, flush_done_ = 0;  // guarded by mu_
  bool flush_ok_ = true;             // guarded by mu_
  bool stopping_ = false, stopped_ = false;  // guarded by mu_
  std::chrono::milliseconds stop_timeout_{5000};  // guarded by mu_
  std::thread writer_;
};

}  // namespace netvigil
