// One curl multi handle driven by the EventLoop through curl's socket and timer callbacks.
#include "net/curl_engine.hpp"

#include <sys/epoll.h>

#include <mutex>
#include <new>
#include <stdexcept>

namespace netvigil {

// Destroyed in reverse order: the easy handle (whose cleanup may still run TLS callbacks
// into state that `done` owns) goes before `keep` and `done`.
struct CurlEngine::Transfer {
  Done done;
  std::vector<CurlSlistPtr> keep;
  CurlEasyPtr easy;
  char error[CURL_ERROR_SIZE] = {};
};

namespace {

size_t discard_body(char* /*data*/, size_t size, size_t n, void* /*userp*/) noexcept {
  return size * n;
}

void global_init_once() {
  // curl_global_init is not thread-safe before 7.84; do it once, before any handle exists.
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      throw std::runtime_error("curl_global_init failed");
  });
}

}  // namespace

CurlSlistPtr make_slist(const std::vector<std::string>& items) {
  curl_slist* head = nullptr;
  for (const auto& item : items) {
    curl_slist* next = curl_slist_append(head, item.c_str());
    if (next == nullptr) {
      curl_slist_free_all(head);
      throw std::bad_alloc();
    }
    head = next;
  }
  return CurlSlistPtr(head);
}

CurlEasyPtr new_measuring_easy(const TransferOptions& options) {
  global_init_once();
  CurlEasyPtr easy(curl_easy_init());
  if (!easy) throw std::bad_alloc();
  CURL* e = easy.get();
  // A first-time user's view: a new connection and a full TLS handshake every time.
  curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  // "" disables proxies, including those named by http_proxy & co. (CURLOPT_PROXY docs).
  curl_easy_setopt(e, CURLOPT_PROXY, "");
  // CURLOPT_TIMEOUT_MS 0 means "no timeout": never pass 0.
  const long ms = options.timeout.count() > 0 ? static_cast<long>(options.timeout.count()) : 1L;
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms);
  if (!options.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, options.ca_file.c_str());
  // Debian's libcurl also sets a default CA *path* (/etc/ssl/certs), and a CA path switches
  // off libcurl's cached CA store (CURLOPT_CA_CACHE_TIMEOUT, 7.87+): every handshake would
  // parse the whole bundle again (measured: 30.6 → 1.3 ms per fetch with the system bundle,
  // tests/bench/README.md). The bundle file alone holds the same roots.
  curl_easy_setopt(e, CURLOPT_CAPATH, nullptr);
  // curl's default writer is stdout; a probe that wants the body sets its own.
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &discard_body);
  return easy;
}

CurlEngine::CurlEngine(EventLoop& loop) : loop_(loop) {
  global_init_once();
  multi_ = curl_multi_init();
  if (multi_ == nullptr) throw std::runtime_error("curl_multi_init failed");
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlEngine::on_curl_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlEngine::on_curl_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

CurlEngine::~CurlEngine() {
  // remove_handle calls the socket callback (unwatch) for the transfer's sockets.
  for (auto& [easy, transfer] : transfers_) curl_multi_remove_handle(multi_, easy);
  transfers_.clear();
  if (timer_ != 0) loop_.cancel_timer(timer_);
  curl_multi_cleanup(multi_);
}

void CurlEngine::start(CurlEasyPtr easy, std::vector<CurlSlistPtr> keep, Done done) {
  auto t = std::make_unique<Transfer>();
  t->easy = std::move(easy);
  t->keep = std::move(keep);
  t->done = std::move(done);
  CURL* e = t->easy.get();
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
  transfers_.emplace(e, std::move(t));
  const CURLMcode rc = curl_multi_add_handle(multi_, e);
  if (rc != CURLM_OK) {
    auto node = transfers_.extract(e);
    std::shared_ptr<Transfer> failed(std::move(node.mapped()));
    loop_.post([failed] {
      failed->done(CURLE_FAILED_INIT, failed->easy.get(), "curl_multi_add_handle failed");
    });
  }
}

int CurlEngine::on_curl_socket(CURL* /*easy*/, curl_socket_t s, int what, void* userp,
                               void* /*socketp*/) noexcept {
  auto* self = static_cast<CurlEngine*>(userp);
  try {
    if (what == CURL_POLL_REMOVE) {
      self->loop_.unwatch(s);
      return 0;
    }
    std::uint32_t events = 0;
    if (what & CURL_POLL_IN) events |= EPOLLIN;
    if (what & CURL_POLL_OUT) events |= EPOLLOUT;
    self->loop_.watch(s, events, [self, s](std::uint32_t ev) { self->on_fd(s, ev); });
    return 0;
  } catch (...) {
    return -1;  // curl fails the transfer: no exception may cross its frame
  }
}

int CurlEngine::on_curl_timer(CURLM* /*multi*/, long timeout_ms, void* userp) noexcept {
  auto* self = static_cast<CurlEngine*>(userp);
  try {
    if (self->timer_ != 0) {
      self->loop_.cancel_timer(self->timer_);
      self->timer_ = 0;
    }
    // -1 deletes the timer; 0 means "act as soon as possible" (CURLMOPT_TIMERFUNCTION docs),
    // which the loop timer does on its next dispatch, outside this callback.
    if (timeout_ms >= 0)
      self->timer_ = self->loop_.add_timer_after(std::chrono::milliseconds(timeout_ms),
                                                 [self] { self->on_timeout(); });
    return 0;
  } catch (...) {
    return -1;
  }
}

void CurlEngine::on_fd(curl_socket_t s, std::uint32_t epoll_events) {
  int flags = 0;
  if (epoll_events & EPOLLIN) flags |= CURL_CSELECT_IN;
  if (epoll_events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
  if (epoll_events & (EPOLLERR | EPOLLHUP)) flags |= CURL_CSELECT_ERR;
  int running = 0;
  curl_multi_socket_action(multi_, s, flags, &running);
  collect_done();
}

void CurlEngine::on_timeout() {
  timer_ = 0;
  int running = 0;
  curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
  collect_done();
}

void CurlEngine::collect_done() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* e = msg->easy_handle;
    const CURLcode code = msg->data.result;
    auto node = transfers_.extract(e);
    curl_multi_remove_handle(multi_, e);  // invalidates msg
    if (node.empty()) continue;
    // Completion runs later on the loop, outside curl, and needs nothing from the engine:
    // a `done` that starts new transfers or destroys the engine is safe.
    std::shared_ptr<Transfer> t(std::move(node.mapped()));
    loop_.post([t, code] { t->done(code, t->easy.get(), t->error); });
  }
}

}  // namespace netvigil
