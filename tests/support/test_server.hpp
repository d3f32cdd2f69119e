// A loopback HTTP/HTTPS test server on its own thread (test code only): answers, resets,
// closes or blackholes connections, and records what it was asked.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "test_pki.hpp"

namespace netvigil::testing {

/// What the server does with each accepted connection.
enum class ServerMode {
  respond,              ///< (TLS if configured) read one request, send the response, close
  reset_on_accept,      ///< close at once with RST (SO_LINGER 0)
  reset_after_request,  ///< (TLS if configured) read the request, then RST
  close_after_read,     ///< read what the client sends first (no TLS), then close with FIN
  blackhole,            ///< accept, read and discard, never answer, until the server stops
};

/// One request as the server saw it.
struct SeenRequest {
  std::string method;
  std::string target;
  std::string head;
  std::string body;
};

struct ServerOptions {
  ServerMode mode = ServerMode::respond;
  std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  const CertKey* tls = nullptr;   ///< serve TLS with this certificate
  std::string bind = "127.0.0.1"; ///< loopback only: 127.0.0.1 or ::1
  int pace_ms = 0;                ///< pause after each 64 KiB written (a throttled link)
};

/// Build a complete HTTP/1.1 response with Content-Length.
inline std::string http_response(int status, const std::string& body,
                                 const std::string& extra_headers = "") {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n" + extra_headers + "\r\n" + body;
}

class TestServer {
 public:
  explicit TestServer(ServerOptions options) : options_(std::move(options)) {
    // SSL_write/SSL_accept write() to sockets clients may have reset.
    std::signal(SIGPIPE, SIG_IGN);
    const bool v6 = options_.bind.find(':') != std::string::npos;
    listen_fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (v6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
      a->sin6_family = AF_INET6;
      inet_pton(AF_INET6, options_.bind.c_str(), &a->sin6_addr);
      len = sizeof *a;
    } else {
      auto* a = reinterpret_cast<sockaddr_in*>(&ss);
      a->sin_family = AF_INET;
      inet_pton(AF_INET, options_.bind.c_str(), &a->sin_addr);
      len = sizeof *a;
    }
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
        ::listen(listen_fd_, 256) != 0)
      throw std::runtime_error("test server: bind/listen failed");
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len);
    port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                     : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    if (options_.tls != nullptr) {
      ctx_ = make_ctx(*options_.tls);
      SSL_CTX_set_tlsext_servername_callback(ctx_, &TestServer::on_servername);
      SSL_CTX_set_tlsext_servername_arg(ctx_, this);
    }
    if (pipe(wake_) != 0) throw std::runtime_error("pipe failed");
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~TestServer() {
    stopping_ = true;
    [[maybe_unused]] auto n = ::write(wake_[1], "x", 1);
    acceptor_.join();
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : workers_) t.join();
    ::close(listen_fd_);
    ::close(wake_[0]);
    ::close(wake_[1]);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  std::uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }
  std::vector<SeenRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  /// SNI names clients sent ("" when a client sent none), in handshake order.
  std::vector<std::string> server_names() const {
    std::lock_guard<std::mutex> lock(mu_);
    return server_names_;
  }

 private:
  static SSL_CTX* make_ctx(const CertKey& ck) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    std::unique_ptr<BIO, decltype(&BIO_free)> cb(BIO_new_mem_buf(ck.cert_pem.data(), -1), &BIO_free);
    std::unique_ptr<BIO, decltype(&BIO_free)> kb(BIO_new_mem_buf(ck.key_pem.data(), -1), &BIO_free);
    X509* cert = PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr);
    if (cert == nullptr || key == nullptr || SSL_CTX_use_certificate(ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, key) != 1)
      throw std::runtime_error("test server: bad certificate");
    // Certificates after the first in cert_pem are its chain, sent after it.
    while (X509* extra = PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr)) {
      if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) {
        X509_free(extra);
        throw std::runtime_error("test server: bad chain certificate");
      }
    }
    ERR_clear_error();  // the read past the last certificate queued "no start line"
    X509_free(cert);
    EVP_PKEY_free(key);
    return ctx;
  }

  static int on_servername(SSL* ssl, int*, void* arg) {
    auto* self = static_cast<TestServer*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    std::lock_guard<std::mutex> lock(self->mu_);
    self->server_names_.push_back(name ? name : "");
    return SSL_TLSEXT_ERR_OK;
  }

  void accept_loop() {
    while (!stopping_) {
      pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (::poll(fds, 2, 1000) <= 0) continue;
      if (fds[1].revents != 0) break;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++accepted_;
      std::lock_guard<std::mutex> lock(mu_);
      open_fds_.push_back(fd);
      workers_.emplace_back([this, fd] { serve(fd); });
    }
  }

  static void reset(int fd) {
    linger lg{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }

  void serve(int fd) {
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    switch (options_.mode) {
      case ServerMode::reset_on_accept: reset(fd); break;
      case ServerMode::close_after_read: {
        // Consume the first flight so the close is a clean FIN, not an RST for unread data.
        char buf[4096];
        [[maybe_unused]] auto n = ::recv(fd, buf, sizeof buf, 0);
        break;
      }
      case ServerMode::blackhole: {
        char buf[4096];
        while (!stopping_) {
          const auto n = ::recv(fd, buf, sizeof buf, 0);
          if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) break;
        }
        break;
      }
      case ServerMode::respond:
      case ServerMode::reset_after_request: exchange(fd); break;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      std::erase(open_fds_, fd);
    }
    ::close(fd);
  }

  void exchange(int fd) {
    SSL* ssl = nullptr;
    if (ctx_ != nullptr) {
      ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) != 1) {  // e.g. the client rejected our certificate
        SSL_free(ssl);
        return;
      }
    }
    auto rd = [&](char* b, int n) { return ssl ? SSL_read(ssl, b, n) : static_cast<int>(::recv(fd, b, static_cast<size_t>(n), 0)); };
    auto wr = [&](const char* b, int n) { return ssl ? SSL_write(ssl, b, n) : static_cast<int>(::send(fd, b, static_cast<size_t>(n), MSG_NOSIGNAL)); };
    std::string in;
    char buf[4096];
    std::size_t head_end = std::string::npos;
    std::size_t want = 0;
    while (true) {
      if (head_end == std::string::npos) {
        head_end = in.find("\r\n\r\n");
        if (head_end != std::string::npos) {
          const auto cl = in.find("Content-Length: ");
          if (cl != std::string::npos && cl < head_end) want = std::stoul(in.substr(cl + 16));
        }
      }
      if (head_end != std::string::npos && in.size() >= head_end + 4 + want) break;
      const int n = rd(buf, sizeof buf);
      if (n <= 0) break;
      in.append(buf, static_cast<std::size_t>(n));
    }
    if (head_end != std::string::npos) {
      SeenRequest r;
      r.head = in.substr(0, head_end);
      r.method = r.head.substr(0, r.head.find(' '));
      const auto sp = r.head.find(' ');
      r.target = r.head.substr(sp + 1, r.head.find(' ', sp + 1) - sp - 1);
      r.body = in.substr(head_end + 4);
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(std::move(r));
    }
    if (options_.mode == ServerMode::reset_after_request) {
      reset(fd);
    } else {
      const std::string& out = options_.response;
      std::size_t off = 0;
      while (off < out.size()) {
        const int n = wr(out.data() + off, static_cast<int>(std::min<std::size_t>(out.size() - off, 65536)));
        if (n <= 0) break;
        off += static_cast<std::size_t>(n);
        if (options_.pace_ms > 0 && off < out.size())
          std::this_thread::sleep_for(std::chrono::milliseconds(options_.pace_ms));
      }
      if (ssl) SSL_shutdown(ssl);
    }
    if (ssl) SSL_free(ssl);
  }

  ServerOptions options_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::uint16_t port_ = 0;
  SSL_CTX* ctx_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  mutable std::mutex mu_;
  std::vector<int> open_fds_;
  std::vector<std::thread> workers_;
  std::vector<SeenRequest> requests_;
  std::vector<std::string> server_names_;
  std::thread acceptor_;
};

}  // namespace netvigil::testing
