// The read side of the store: a read-only connection for the CLI, exports and the HTTP server.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/event.hpp"
#include "core/measurement.hpp"
#include "core/rollup.hpp"
#include "store/clock_trust.hpp"
#include "store/rollup_chain.hpp"
#include "store/sqlite.hpp"

namespace netvigil {

/// The newest stored result of one probe (`netvigil status`).
struct LastResult {
  std::string slug;
  ProbeKind kind = ProbeKind::tcp;
  Group group = Group::international;
  std::string service;
  std::int64_t id = 0;
  std::int64_t t_unix_ms = 0;
  bool ok = false;
  std::string failure;  ///< OONI string incl. "unknown_failure: <detail>"; "" when ok
  Operation op = Operation::none;
  Method method = Method::none;
  std::int32_t total_us = -1;
  std::int32_t status = 0;
};

/// A raw stored measurement with its id; `m.evidence` is the parsed evidence (null if none).
struct StoredMeasurement {
  std::int64_t id = 0;
  Measurement m;
};

/// One link of the rollup hash chain, as stored (rollups in ascending scope id).
struct ChainStep {
  std::int64_t seq = 0;
  RollupStep step;
  Sha256 hash{};
};

struct ChainVerification {
  bool ok = true;
  std::int64_t steps = 0;            ///< steps checked
  std::int64_t first_bad_seq = 0;    ///< 0 when ok
  std::int64_t first_bad_step_start = 0;
  std::string message;               ///< what failed, for humans
  Sha256 head{};                     ///< hash of the last step (all zero when empty)
};

struct DbStats {
  std::int64_t page_size = 0, page_count = 0, freelist_count = 0;
  std::int64_t file_bytes = 0;   ///< main file + WAL on disk
  std::map<std::string, std::int64_t> rows;   ///< table → row count
  std::map<std::string, std::int64_t> bytes;  ///< table or index → bytes in pages (dbstat)
};

/// Read-only access; works whether or not the daemon runs (WAL readers never block it).
/// Not thread-safe: one reader per thread. Methods throw sql::Error on database errors.
class StoreReader {
 public:
  /// Opens an existing database read-only; throws sql::Error when missing or unreadable.
  explicit StoreReader(const std::string& path);

  std::vector<LastResult> last_per_probe();

  /// Rollups with from_s <= step_start < to_s, ordered by step_start (then write order,
  /// then scope), streamed: memory does not grow with the range.
  void rollups(std::int64_t from_s, std::int64_t to_s, const std::function<void(const Rollup&)>& cb);

  /// Every chain step in write order with its rollups (for exports and verify_chain).
  void chain(const std::function<void(const ChainStep&)>& cb);
  std::optional<ChainStep> chain_head();
  /// Recomputes every link; reports the first step whose stored hash does not match.
  ChainVerification verify_chain();

  std::vector<Event> events();
  /// Events overlapping [since_s, now): ongoing or ended after since_s.
  std::vector<Event> events_since(std::int64_t since_s);
  std::vector<Event> events_active();

  /// Raw measurements with from_ms <= t < to_ms in time order, with evidence, streamed.
  void measurements(std::int64_t from_ms, std::int64_t to_ms,
                    const std::function<void(const StoredMeasurement&)>& cb);

  void clock_trust(std::int64_t from_ms, std::int64_t to_ms,
                   const std::function<void(const ClockTrust&)>& cb);

  DbStats stats();

  /// A value of the meta table ("created_unix_ms" is set when the database is created).
  std::optional<std::string> meta(const std::string& key);

 private:
  std::vector<Event> query_events(const std::string& where, std::optional<std::int64_t> arg);

  std::string path_;
  sql::Db db_;
};

}  // namespace netvigil
