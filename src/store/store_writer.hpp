// The SQL side of the store's writer thread: commits one WriteBatch per transaction.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include "store/rollup_chain.hpp"
#include "store/sqlite.hpp"
#include "store/store_items.hpp"

namespace netvigil {

/// Owns the prepared statements and the caches that must agree with committed data. Used by
/// one thread only. Caches learnt inside a transaction are kept only once it commits.
class StoreWriter {
 public:
  enum class Outcome { ok, busy, disk, error };

  explicit StoreWriter(sql::Db& db, std::size_t prune_chunk = 20000);
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  /// Writes the whole batch in one transaction. On ok the batch is emptied (except a prune
  /// that has more rows to remove, which stays for the next batch); on any other outcome
  /// the batch is left intact, nothing of it is stored, and `error_code` holds the SQLite code.
  Outcome write(WriteBatch& batch, int& error_code, std::string& error_text);

  /// Number of measurement rows the last successful write stored.
  std::size_t last_rows() const noexcept { return last_rows_; }
  /// Raw rows removed by the last successful write's prune step.
  std::int64_t last_pruned() const noexcept { return last_pruned_; }

 private:
  struct Staged;
  void apply_probe(const ProbeDef& p);
  void apply_row(PendingRow& r, Staged& s);
  void apply_step(const RollupStep& step, Staged& s);
  bool apply_prune(const PruneRequest& p);  // true when complete
  std::int64_t evidence_id(std::int64_t probe, std::int64_t row_id, const std::string& json, Staged& s);
  std::int64_t scope_id(const std::string& name, Staged& s);

  sql::Db& db_;
  std::size_t prune_chunk_;
  sql::Stmt begin_, commit_, rollback_;
  sql::Stmt upsert_probe_, probe_last_;
  sql::Stmt insert_row_, find_evidence_, insert_evidence_, touch_evidence_;
  sql::Stmt find_scope_, insert_scope_, insert_step_, insert_rollup_;
  sql::Stmt insert_clock_, upsert_event_, insert_event_, delete_events_;
  sql::Stmt prune_rows_, prune_evidence_, set_meta_;

  // Committed caches.
  std::unordered_map<std::int64_t, std::pair<Sha256, std::int64_t>> last_evidence_;  // probe → hash, id
  std::unordered_map<std::string, std::int64_t> scopes_;
  Sha256 head_{};
  std::size_t last_rows_ = 0;
  std::int64_t last_pruned_ = 0;
  std::int64_t last_pruned_candidate_ = 0;
};

}  // namespace netvigil
