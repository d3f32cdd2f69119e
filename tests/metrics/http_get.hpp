// A tiny HTTP/1.1 client for tests: one request to 127.0.0.1, plain or TLS, read until close.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace netvigil::testing {

struct HttpReply {
  int status = 0;
  std::string headers;
  std::string body;
};

/// Sends `request_head` (request line + headers, without the final blank line) to
/// 127.0.0.1:port and parses the reply. With `ca_file` the connection uses TLS and verifies
/// the server against that CA for "localhost". 5 s receive timeout; throws on I/O errors.
inline HttpReply http_request(int port, const std::string& request_head,
                              const std::string& ca_file = "") {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    throw std::runtime_error("connect to 127.0.0.1 failed");

  const std::string req = request_head + "\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  std::string raw;
  char buf[16384];
  if (ca_file.empty()) {
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
      throw std::runtime_error("send failed");
    for (int i = 0; i < 10000; ++i) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      raw.append(buf, static_cast<std::size_t>(n));
    }
  } else {
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                           &SSL_CTX_free);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    if (SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr) != 1)
      throw std::runtime_error("cannot load CA file");
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), &SSL_free);
    SSL_set_fd(ssl.get(), fd);
    SSL_set_tlsext_host_name(ssl.get(), "localhost");
    SSL_set1_host(ssl.get(), "localhost");
    if (SSL_connect(ssl.get()) != 1) throw std::runtime_error("TLS handshake failed");
    if (SSL_write(ssl.get(), req.data(), static_cast<int>(req.size())) <= 0)
      throw std::runtime_error("TLS write failed");
    for (int i = 0; i < 10000; ++i) {
      const int n = SSL_read(ssl.get(), buf, sizeof buf);
      if (n <= 0) break;
      raw.append(buf, static_cast<std::size_t>(n));
    }
  }
  HttpReply r;
  const auto end = raw.find("\r\n\r\n");
  if (raw.compare(0, 9, "HTTP/1.1 ") != 0 || end == std::string::npos)
    throw std::runtime_error("not an HTTP reply: " + raw.substr(0, 80));
  r.status = std::atoi(raw.c_str() + 9);
  r.headers = raw.substr(0, end);
  r.body = raw.substr(end + 4);
  return r;
}

inline HttpReply http_get(int port, const std::string& path, const std::string& extra = "") {
  return http_request(port, "GET " + path + " HTTP/1.1" + (extra.empty() ? "" : "\r\n" + extra));
}

/// Runs a shell command, returns its exit status and combined output.
inline int run_command(const std::string& cmd, std::string& output) {
  output.clear();
  std::FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) output.append(buf, n);
  const int st = ::pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/// promtool must be installed (Debian package `prometheus`); the tests fail without it.
inline std::string promtool() {
  for (const char* p : {"/usr/bin/promtool", "/usr/local/bin/promtool"})
    if (::access(p, X_OK) == 0) return p;
  return "";
}

}  // namespace netvigil::testing
