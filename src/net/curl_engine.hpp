// libcurl's multi socket API on the EventLoop: one multi handle, fds watched by the loop.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <curl/curl.h>

#include "loop/event_loop.hpp"

namespace netvigil {

struct CurlEasyDeleter {
  void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using CurlEasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlSlistPtr = std::unique_ptr<curl_slist, CurlSlistDeleter>;

/// Build a curl_slist from strings (nullptr for an empty list).
CurlSlistPtr make_slist(const std::vector<std::string>& items);

/// Options every measuring transfer carries: a first-time user's view (fresh connection, no
/// TLS session reuse), no signals, a hard deadline, no proxy from the environment, and the
/// configured CA file (empty: the system set).
struct TransferOptions {
  std::chrono::milliseconds timeout{10'000};
  std::string ca_file;
};

/// A new easy handle with TransferOptions applied and the body discarded unless the caller
/// sets CURLOPT_WRITEFUNCTION. Never null (throws std::bad_alloc).
CurlEasyPtr new_measuring_easy(const TransferOptions& options);

/// Drives every transfer of the process through one curl multi handle on `loop`
/// (curl docs/examples/ephiperfifo.c): curl's socket callback only (un)watches fds, its
/// timer callback only re-arms one loop timer; curl_multi_socket_action runs from loop
/// callbacks; completions are posted to the loop, never run inside curl.
/// Not copyable or movable: curl callbacks capture `this`.
class CurlEngine {
 public:
  /// Completion: curl's result, the easy handle (alive for the call: read CURLINFO_* here),
  /// and curl's error-buffer text ("" when curl wrote none).
  using Done = std::function<void(CURLcode code, CURL* easy, std::string_view error_text)>;

  explicit CurlEngine(EventLoop& loop);
  ~CurlEngine();
  CurlEngine(const CurlEngine&) = delete;
  CurlEngine& operator=(const CurlEngine&) = delete;

  /// Start `easy`. `keep` holds lists the transfer points at (CURLOPT_RESOLVE, headers) until
  /// it ends. The engine sets CURLOPT_ERRORBUFFER. `done` runs exactly once, on the loop,
  /// after the transfer left the multi handle; then the easy handle and `keep` are freed.
  /// If the engine is destroyed first, pending transfers are dropped without `done`.
  void start(CurlEasyPtr easy, std::vector<CurlSlistPtr> keep, Done done);

  /// Transfers started and not yet completed.
  std::size_t in_flight() const noexcept { return transfers_.size(); }

 private:
  struct Transfer;

  static int on_curl_socket(CURL* easy, curl_socket_t s, int what, void* userp,
                            void* socketp) noexcept;
  static int on_curl_timer(CURLM* multi, long timeout_ms, void* userp) noexcept;
  void on_fd(curl_socket_t s, std::uint32_t epoll_events);
  void on_timeout();
  void collect_done();

  EventLoop& loop_;
  CURLM* multi_ = nullptr;
  EventLoop::TimerId timer_ = 0;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> transfers_;
};

}  // namespace netvigil
