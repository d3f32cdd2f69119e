// Health counters of the measurement store, read lock-free by the metrics area.
#pragma once

#include <atomic>
#include <cstdint>

namespace netvigil {

/// Written by the store's threads, read by anyone (relaxed atomics: independent counters).
struct StoreHealth {
  std::atomic<std::uint64_t> write_errors{0};    ///< failed batch commits (disk full, I/O error)
  std::atomic<std::uint64_t> busy_retries{0};    ///< commits retried because a lock was held
  std::atomic<std::uint64_t> dropped{0};         ///< measurements dropped (buffer full, or stop during an error)
  std::atomic<std::uint64_t> buffered{0};        ///< measurements waiting in memory right now
  std::atomic<std::uint64_t> committed{0};       ///< measurements committed since open
  std::atomic<std::uint64_t> batches{0};         ///< transactions committed since open
  std::atomic<std::uint64_t> pruned{0};          ///< raw rows removed by retention since open
  std::atomic<std::int64_t> last_success_unix_ms{0};  ///< wall clock of the last commit; 0 never
  std::atomic<bool> disk_error{false};           ///< true while writes fail for disk reasons
  std::atomic<int> last_error_code{0};           ///< SQLite extended code of the last failure
};

}  // namespace netvigil
