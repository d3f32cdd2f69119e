// A loopback DNS server for tests, on the EventLoop: UDP and TCP on one random 127.0.0.1 port,
// with per-name behaviour (answers, NXDOMAIN, SERVFAIL, REFUSED, silence).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "loop/event_loop.hpp"

namespace netvigil::testing {

/// What the fake server does for one name. Unknown names get NXDOMAIN.
struct FakeDnsEntry {
  std::vector<std::string> a;     ///< A answers (dotted quads)
  std::vector<std::string> aaaa;  ///< AAAA answers
  std::string cname;              ///< if set, a CNAME to this name precedes the answers
  int rcode = 0;                  ///< 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED
  bool silent = false;            ///< never answer (the client times out)
};

/// Not copyable or movable: loop callbacks capture `this`. Closes every fd it opened.
class FakeDnsServer {
 public:
  explicit FakeDnsServer(EventLoop& loop) : loop_(loop) {
    // Bind UDP to an ephemeral port, then TCP to the same one (retry if it is taken).
    for (int attempt = 0; attempt < 20 && tcp_ < 0; ++attempt) {
      close_all();
      udp_ = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      sockaddr_in sa = loopback(0);
      if (bind(udp_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) continue;
      socklen_t len = sizeof sa;
      getsockname(udp_, reinterpret_cast<sockaddr*>(&sa), &len);
      port_ = ntohs(sa.sin_port);
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      int one = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || listen(fd, 16) != 0) {
        ::close(fd);
        continue;
      }
      tcp_ = fd;
    }
    if (tcp_ < 0) throw std::runtime_error("fake dns: no port for UDP and TCP");
    loop_.watch(udp_, EPOLLIN, [this](std::uint32_t) { on_udp(); });
    loop_.watch(tcp_, EPOLLIN, [this](std::uint32_t) { on_accept(); });
  }
  ~FakeDnsServer() {
    for (auto& [fd, buf] : conns_) {
      loop_.unwatch(fd);
      ::close(fd);
    }
    if (udp_ >= 0) loop_.unwatch(udp_);
    if (tcp_ >= 0) loop_.unwatch(tcp_);
    close_all();
  }
  FakeDnsServer(const FakeDnsServer&) = delete;
  FakeDnsServer& operator=(const FakeDnsServer&) = delete;

  void set(const std::string& name, FakeDnsEntry e) { entries_[lower(name)] = std::move(e); }
  std::uint16_t port() const { return port_; }
  int udp_queries() const { return udp_queries_; }
  int tcp_queries() const { return tcp_queries_; }

 private:
  static sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sa;
  }
  static std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }
  void close_all() {
    if (udp_ >= 0) ::close(udp_);
    if (tcp_ >= 0) ::close(tcp_);
    udp_ = tcp_ = -1;
  }

  void on_udp() {
    for (int i = 0; i < 64; ++i) {
      std::uint8_t buf[1500];
      sockaddr_in from{};
      socklen_t len = sizeof from;
      const ssize_t n =
          recvfrom(udp_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n <= 0) return;
      ++udp_queries_;
      auto reply = answer(std::vector<std::uint8_t>(buf, buf + n));
      if (!reply.empty())
        sendto(udp_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }
  void on_accept() {
    for (int i = 0; i < 16; ++i) {
      const int fd = accept4(tcp_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      conns_[fd] = {};
      loop_.watch(fd, EPOLLIN, [this, fd](std::uint32_t) { on_conn(fd); });
    }
  }
  void on_conn(int fd) {
    auto& buf = conns_[fd];
    std::uint8_t chunk[2048];
    ssize_t n = 0;
    while ((n = read(fd, chunk, sizeof chunk)) > 0) buf.insert(buf.end(), chunk, chunk + n);
    if (n == 0 || (n < 0 && errno != EAGAIN)) {
      loop_.unwatch(fd);
      ::close(fd);
      conns_.erase(fd);
      return;
    }
    while (buf.size() >= 2) {
      const std::size_t len = static_cast<std::size_t>(buf[0]) << 8 | buf[1];
      if (buf.size() < 2 + len) break;
      std::vector<std::uint8_t> msg(buf.begin() + 2, buf.begin() + 2 + static_cast<long>(len));
      buf.erase(buf.begin(), buf.begin() + 2 + static_cast<long>(len));
      ++tcp_queries_;
      auto reply = answer(msg);
      if (reply.empty()) continue;
      std::vector<std::uint8_t> out{static_cast<std::uint8_t>(reply.size() >> 8),
                                    static_cast<std::uint8_t>(reply.size() & 0xff)};
      out.insert(out.end(), reply.begin(), reply.end());
      if (write(fd, out.data(), out.size()) < 0) return;
    }
  }

  static void put16(std::vector<std::uint8_t>& o, unsigned v) {
    o.push_back(static_cast<std::uint8_t>(v >> 8));
    o.push_back(static_cast<std::uint8_t>(v & 0xff));
  }
  static void put_name(std::vector<std::uint8_t>& o, const std::string& name) {
    std::size_t start = 0;
    while (start < name.size()) {
      auto dot = name.find('.', start);
      if (dot == std::string::npos) dot = name.size();
      o.push_back(static_cast<std::uint8_t>(dot - start));
      o.insert(o.end(), name.begin() + static_cast<long>(start),
               name.begin() + static_cast<long>(dot));
      start = dot + 1;
    }
    o.push_back(0);
  }

  /// The reply to one query message, or empty for silence / garbage.
  std::vector<std::uint8_t> answer(const std::vector<std::uint8_t>& q) {
    if (q.size() < 12) return {};
    std::size_t i = 12;
    std::string name;
    while (i < q.size() && q[i] != 0) {
      const std::size_t l = q[i];
      if (l > 63 || i + 1 + l > q.size()) return {};
      if (!name.empty()) name += '.';
      name.append(q.begin() + static_cast<long>(i + 1), q.begin() + static_cast<long>(i + 1 + l));
      i += 1 + l;
    }
    if (i + 5 > q.size()) return {};
    const std::size_t question_end = i + 5;
    const unsigned qtype = static_cast<unsigned>(q[i + 1]) << 8 | q[i + 2];
    FakeDnsEntry e;
    e.rcode = 3;
    if (auto it = entries_.find(lower(name)); it != entries_.end()) e = it->second;
    if (e.silent) return {};

    std::vector<std::uint8_t> r(q.begin(), q.begin() + static_cast<long>(question_end));
    r[2] = static_cast<std::uint8_t>(0x80 | (q[2] & 0x01));     // QR, keep RD
    r[3] = static_cast<std::uint8_t>(0x80 | (e.rcode & 0x0f));  // RA, rcode
    r[4] = 0;
    r[5] = 1;  // QDCOUNT
    r[8] = r[9] = r[10] = r[11] = 0;
    unsigned count = 0;
    std::string owner_name = name;
    const bool owner_is_qname = e.cname.empty();
    if (e.rcode == 0 && (qtype == 1 || qtype == 28)) {
      if (!e.cname.empty()) {
        r.push_back(0xc0);
        r.push_back(0x0c);
        put16(r, 5);
        put16(r, 1);
        put16(r, 0);
        put16(r, 60);
        std::vector<std::uint8_t> target;
        put_name(target, e.cname);
        put16(r, static_cast<unsigned>(target.size()));
        r.insert(r.end(), target.begin(), target.end());
        ++count;
        owner_name = e.cname;
      }
      const auto& list = qtype == 1 ? e.a : e.aaaa;
      for (const auto& text : list) {
        std::uint8_t bytes[16];
        const int family = qtype == 1 ? AF_INET : AF_INET6;
        if (inet_pton(family, text.c_str(), bytes) != 1) continue;
        if (owner_is_qname) {
          r.push_back(0xc0);
          r.push_back(0x0c);
        } else {
          put_name(r, owner_name);
        }
        put16(r, qtype);
        put16(r, 1);
        put16(r, 0);
        put16(r, 60);
        put16(r, qtype == 1 ? 4u : 16u);
        r.insert(r.end(), bytes, bytes + (qtype == 1 ? 4 : 16));
        ++count;
      }
    }
    r[6] = static_cast<std::uint8_t>(count >> 8);
    r[7] = static_cast<std::uint8_t>(count & 0xff);
    return r;
  }

  EventLoop& loop_;
  int udp_ = -1;
  int tcp_ = -1;
  std::uint16_t port_ = 0;
  int udp_queries_ = 0;
  int tcp_queries_ = 0;
  std::map<std::string, FakeDnsEntry> entries_;
  std::map<int, std::vector<std::uint8_t>> conns_;
};

}  // namespace netvigil::testing
