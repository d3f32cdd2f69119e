// The HTTP server: /metrics, /healthz and the status page, on civetweb's own threads.
#pragma once

#include <prometheus/collectable.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "metrics/heartbeat.hpp"
#include "metrics/status_page.hpp"

struct mg_context;
struct mg_connection;

namespace netvigil {

/// The error suffix when civetweb cannot load OpenSSL (Debian 12's civetweb 1.15 with OpenSSL 3).
inline constexpr const char* kTlsUnavailable =
    "TLS unavailable: civetweb could not load OpenSSL (Debian 12's civetweb 1.15 expects the "
    "OpenSSL 1.1 ABI); serve plain HTTP on 127.0.0.1 behind a TLS reverse proxy instead";

struct HttpServerOptions {
  std::string listen = "127.0.0.1:9567";  ///< IPv4 "addr:port" (port 0 = any free port)
  std::string basic_auth_user;            ///< empty = no authentication
  std::string basic_auth_password;        ///< the password itself (read from the file)
  std::string tls_cert;                   ///< PEM chain; with tls_key enables HTTPS
  std::string tls_key;
  std::chrono::milliseconds health_max_age{30'000};  ///< /healthz: heartbeat younger than this
  int threads = 2;
};

/// Options from the config's `http:` section; reads the password file. Returns "" or an
/// error message naming the file.
std::string http_options_from(const HttpConfig& config, HttpServerOptions& out);

/// Serves, on civetweb's worker threads (they only read):
///   GET /metrics  text format 0.0.4 of every metric
///   GET /healthz  200 "ok" while the heartbeat is recent, else 503
///   GET /         the status page from the snapshot provider
/// anything else 404, other methods 405. With basic auth configured every path but
/// /healthz needs it (401 otherwise); passwords are compared in constant time.
class HttpServer {
 public:
  using SnapshotProvider = std::function<std::shared_ptr<const StatusSnapshot>()>;

  /// Binds and starts the threads. On failure returns null and sets `error`, e.g.
  /// "cannot listen on 127.0.0.1:9567: address in use". Never throws.
  static std::unique_ptr<HttpServer> start(const HttpServerOptions& options,
                                           std::shared_ptr<prometheus::Collectable> metrics,
                                           const Heartbeat* heartbeat, SnapshotProvider snapshot,
                                           std::string& error);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// The port actually bound (useful with port 0).
  int port() const noexcept { return port_; }

 private:
  HttpServer() = default;
  static int handle(mg_connection* conn, void* self) noexcept;
  static int init_ssl(void* ssl_ctx, void* self) noexcept;
  static int log_message(const mg_connection* conn, const char* message) noexcept;
  int respond(mg_connection* conn);
  bool authorized(mg_connection* conn) const;

  HttpServerOptions options_;
  std::shared_ptr<prometheus::Collectable> metrics_;
  const Heartbeat* heartbeat_ = nullptr;
  SnapshotProvider snapshot_;
  std::string credential_digest_;  ///< SHA-256 of "user:password"
  mg_context* ctx_ = nullptr;
  int port_ = 0;
};

}  // namespace netvigil
