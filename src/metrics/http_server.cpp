// The HTTP server on civetweb: /metrics, /healthz, the status page, basic auth and TLS.
#include "metrics/http_server.hpp"

#include <arpa/inet.h>
#include <civetweb.h>
#include <malloc.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <prometheus/text_serializer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace netvigil {
namespace {

constexpr unsigned kFeatureSsl = 2;  // civetweb.h: mg_check_feature(2) = TLS support

std::string sha256(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

bool decode_base64(std::string_view in, std::string& out) {
  if (in.empty() || in.size() % 4 != 0 || in.size() > 4096) return false;
  std::vector<unsigned char> buf(in.size() / 4 * 3 + 1);
  const int n = EVP_DecodeBlock(buf.data(), reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) return false;
  std::size_t len = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts the padding as zero bytes.
  for (std::size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) --len;
  out.assign(reinterpret_cast<char*>(buf.data()), len);
  return true;
}

struct ListenAddress {
  sockaddr_in addr{};
  bool ok = false;
};

ListenAddress parse_listen(const std::string& listen) {
  ListenAddress out;
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 >= listen.size()) return out;
  const std::string host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5) return out;
  const unsigned long p = std::stoul(port);
  if (p > 65535) return out;
  out.addr.sin_family = AF_INET;
  out.addr.sin_port = htons(static_cast<std::uint16_t>(p));
  out.ok = inet_pton(AF_INET, host.c_str(), &out.addr.sin_addr) == 1;
  return out;
}

// civetweb reports only "Failed to setup server ports"; binding once ourselves gives the errno.
std::string bind_diagnosis(const ListenAddress& a) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::strerror(errno);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&a.addr), sizeof a.addr);
  const int err = errno;
  ::close(fd);
  if (rc == 0) return "";
  if (err == EADDRINUSE) return "address in use";
  if (err == EADDRNOTAVAIL) return "address not available on this host";
  if (err == EACCES) return "permission denied";
  return std::strerror(err);
}

void send(mg_connection* conn, int status, const char* reason, const char* type,
          const std::string& body, const char* extra_headers = "") {
  const auto* info = mg_get_request_info(conn);
  const bool head = info && info->request_method && std::strcmp(info->request_method, "HEAD") == 0;
  mg_printf(
      conn,
      "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
      "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n%sConnection: close\r\n\r\n",
      status, reason, type, body.size(), extra_headers);
  if (!head && !body.empty()) mg_write(conn, body.data(), body.size());
}

}  // namespace

std::string http_options_from(const HttpConfig& config, HttpServerOptions& out) {
  out.listen = config.listen;
  out.basic_auth_user = config.basic_auth_user;
  out.tls_cert = config.tls_cert;
  out.tls_key = config.tls_key;
  if (config.tls_cert.empty() != config.tls_key.empty())
    return "http: tls_cert and tls_key must be set together";
  if (config.basic_auth_user.empty()) return "";
  if (config.basic_auth_password_file.empty())
    return "http: basic_auth_user needs basic_auth_password_file";
  std::ifstream f(config.basic_auth_password_file);
  if (!f) return config.basic_auth_password_file + ": cannot read the password file";
  std::getline(f, out.basic_auth_password);
  if (!out.basic_auth_password.empty() && out.basic_auth_password.back() == '\r')
    out.basic_auth_password.pop_back();
  if (out.basic_auth_password.empty())
    return config.basic_auth_password_file + ": the password file is empty";
  return "";
}

std::unique_ptr<HttpServer> HttpServer::start(const HttpServerOptions& options,
                                              std::shared_ptr<prometheus::Collectable> metrics,
                                              const Heartbeat* heartbeat, SnapshotProvider snapshot,
                                              std::string& error) {
  error.clear();
  const std::string where = "cannot listen on " + options.listen + ": ";
  const ListenAddress addr = parse_listen(options.listen);
  if (!addr.ok) {
    error = where + "expected an IPv4 address and port, e.g. 127.0.0.1:9567";
    return nullptr;
  }
  const bool tls = !options.tls_cert.empty() || !options.tls_key.empty();
  if (tls && (options.tls_cert.empty() || options.tls_key.empty())) {
    error = where + "tls_cert and tls_key must be set together";
    return nullptr;
  }
  if (tls && !mg_check_feature(kFeatureSsl)) {
    error = where + "this civetweb build has no TLS support";
    return nullptr;
  }
  std::unique_ptr<HttpServer> s(new HttpServer());
  s->options_ = options;
  s->metrics_ = std::move(metrics);
  s->heartbeat_ = heartbeat;
  s->snapshot_ = std::move(snapshot);
  if (!options.basic_auth_user.empty())
    s->credential_digest_ = sha256(options.basic_auth_user + ":" + options.basic_auth_password);

  // Debian 12's civetweb 1.15 dlopens libssl.so with the OpenSSL 1.1 symbol list
  // (SSL_get_peer_certificate is a macro in OpenSSL 3), so its TLS initialisation can fail;
  // serving on anyway would call a null function pointer on the first connection.
  if ((mg_init_library(tls ? kFeatureSsl : 0) & kFeatureSsl) == 0 && tls) {
    mg_exit_library();
    error = where + kTlsUnavailable;
    return nullptr;
  }
  const std::string ports = options.listen + (tls ? "s" : "");
  const std::string threads = std::to_string(options.threads > 0 ? options.threads : 2);
  std::vector<const char*> opts{
      "listening_ports",          ports.c_str(), "num_threads",        threads.c_str(),
      "enable_directory_listing", "no",          "request_timeout_ms", "10000",
      "enable_keep_alive",        "no"};
  if (tls) {
    opts.push_back("ssl_protocol_version");
    opts.push_back("4");  // civetweb.md: 4 = TLS 1.2 and later only
  }
  opts.push_back(nullptr);

  mg_callbacks callbacks{};
  callbacks.log_message = &HttpServer::log_message;
  if (tls) callbacks.init_ssl = &HttpServer::init_ssl;
  mg_init_data init{&callbacks, s.get(), opts.data()};
  char text[256] = {};
  unsigned code = 0;
  mg_error_data err{&code, text, sizeof text};
  s->ctx_ = mg_start2(&init, &err);
  if (!s->ctx_) {
    mg_exit_library();
    std::string why = bind_diagnosis(addr);
    if (why.empty()) why = text[0] ? text : "civetweb could not start";
    error = where + why;
    return nullptr;
  }
  mg_server_port port_info[2]{};
  if (mg_get_server_ports(s->ctx_, 2, port_info) > 0) s->port_ = port_info[0].port;
  mg_set_request_handler(s->ctx_, "/", &HttpServer::handle, s.get());
  return s;
}

HttpServer::~HttpServer() {
  if (ctx_) {
    mg_stop(ctx_);
    mg_exit_library();
  }
}

int HttpServer::log_message(const mg_connection*, const char*) noexcept {
  return 1;  // civetweb prints to stderr otherwise; errors reach the caller via start()
}

int HttpServer::init_ssl(void* ssl_ctx, void* self) noexcept {
  auto* server = static_cast<HttpServer*>(self);
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  // civetweb.h: return 1 when the callback configured the context itself, -1 on error.
  if (SSL_CTX_use_certificate_chain_file(ctx, server->options_.tls_cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, server->options_.tls_key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1)
    return -1;
  return 1;
}

int HttpServer::handle(mg_connection* conn, void* self) noexcept {
  try {
    return static_cast<HttpServer*>(self)->respond(conn);
  } catch (...) {
    send(conn, 500, "Internal Server Error", "text/plain; charset=utf-8", "internal error\n");
    return 500;
  }
}

bool HttpServer::authorized(mg_connection* conn) const {
  if (credential_digest_.empty()) return true;
  const char* header = mg_get_header(conn, "Authorization");
  if (!header) return false;
  std::string_view h(header);
  constexpr std::string_view kBasic = "Basic ";
  if (h.size() <= kBasic.size() || h.substr(0, kBasic.size()) != kBasic) return false;
  std::string decoded;
  if (!decode_base64(h.substr(kBasic.size()), decoded)) return false;
  // Comparing fixed-size digests keeps the comparison independent of lengths and content.
  const std::string given = sha256(decoded);
  return given.size() == credential_digest_.size() &&
         CRYPTO_memcmp(given.data(), credential_digest_.data(), given.size()) == 0;
}

int HttpServer::respond(mg_connection* conn) {
  const auto* info = mg_get_request_info(conn);
  const std::string uri = info && info->local_uri ? info->local_uri : "";
  const std::string method = info && info->request_method ? info->request_method : "";
  if (method != "GET" && method != "HEAD") {
    send(conn, 405, "Method Not Allowed", "text/plain; charset=utf-8", "method not allowed\n",
         "Allow: GET, HEAD\r\n");
    return 405;
  }
  if (uri == "/healthz") {
    const bool ok = heartbeat_ && heartbeat_->recent(options_.health_max_age);
    if (ok)
      send(conn, 200, "OK", "text/plain; charset=utf-8", "ok\n");
    else
      send(conn, 503, "Service Unavailable", "text/plain; charset=utf-8", "loop not running\n");
    return ok ? 200 : 503;
  }
  if (!authorized(conn)) {
    send(conn, 401, "Unauthorized", "text/plain; charset=utf-8", "authentication required\n",
         "WWW-Authenticate: Basic realm=\"netvigil\", charset=\"UTF-8\"\r\n");
    return 401;
  }
  if (uri == "/metrics") {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, metrics_->Collect());
    send(conn, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", out.str());
    // Collect() and the text are ~16 MB of short-lived heap at 10,000 probes, allocated in
    // this civetweb thread's malloc arena, which glibc keeps after the free: every worker
    // thread would hold a scrape's worth for good. Give it back (once per scrape).
    out = std::ostringstream();
    malloc_trim(0);
    return 200;
  }
  if (uri == "/") {
    std::shared_ptr<const StatusSnapshot> snap = snapshot_ ? snapshot_() : nullptr;
    send(conn, 200, "OK", "text/html; charset=utf-8",
         render_status_page(snap ? *snap : StatusSnapshot{}));
    return 200;
  }
  send(conn, 404, "Not Found", "text/plain; charset=utf-8", "not found\n");
  return 404;
}

}  // namespace netvigil
