// The loop's heartbeat, read by /healthz from the HTTP threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace netvigil {

/// The loop calls beat() on every turn of a periodic timer; /healthz answers 200 while the
/// last beat is younger than its limit. Lock-free: written by the loop, read by HTTP threads.
class Heartbeat {
 public:
  void beat() noexcept { last_ms_.store(now_ms(), std::memory_order_relaxed); }
  /// True once beat() has been called within `max_age`.
  bool recent(std::chrono::milliseconds max_age) const noexcept {
    const std::int64_t last = last_ms_.load(std::memory_order_relaxed);
    return last != 0 && now_ms() - last <= max_age.count();
  }

 private:
  static std::int64_t now_ms() noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
               .count() + 1;  // never 0, which means "no beat yet"
  }
  std::atomic<std::int64_t> last_ms_{0};
};

}  // namespace netvigil
