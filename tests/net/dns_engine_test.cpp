// The c-ares engine on the loop against a loopback fake DNS server: UDP and TCP, rcodes,
// deadlines, the system resolver from resolv.conf, no threads, no leaked fds.
#include "net/dns_engine.hpp"

#include <dirent.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <optional>

#include "../support/fake_dns_server.hpp"
#include "loop/event_loop.hpp"

using namespace netvigil;
using namespace std::chrono_literals;
using netvigil::testing::FakeDnsEntry;
using netvigil::testing::FakeDnsServer;

namespace {

int count_dir(const char* path) {
  int n = 0;
  if (DIR* d = opendir(path)) {
    while (readdir(d) != nullptr) ++n;
    closedir(d);
  }
  return n;
}

std::vector<ResolverSpec> lab_resolvers(std::uint16_t port) {
  return {{"lab", "127.0.0.1", port, {"udp", "tcp"}}};
}

std::optional<DnsAnswer> ask(EventLoop& loop, DnsEngine& dns, const std::string& transport,
                             const std::string& name, const std::string& qtype,
                             std::chrono::milliseconds timeout = 2000ms,
                             const std::string& resolver = "lab") {
  std::optional<DnsAnswer> got;
  dns.query(resolver, transport, name, qtype, timeout, [&](DnsAnswer a) { got = std::move(a); });
  loop.run_until([&] { return got.has_value(); }, timeout + 2000ms);
  return got;
}

std::vector<std::string> texts(const std::vector<IpAddress>& v) {
  std::vector<std::string> out;
  for (const auto& a : v) out.push_back(a.to_string());
  return out;
}

}  // namespace

TEST_CASE("A and AAAA answers over UDP and TCP", "[net][dns]") {
  EventLoop loop;
  FakeDnsServer server(loop);
  server.set("www.example.test", {{"192.0.2.10", "192.0.2.11"}, {"2001:db8::10"}, "", 0, false});
  DnsEngine dns(loop, lab_resolvers(server.port()));

  auto a = ask(loop, dns, "udp", "www.example.test", "A");
  REQUIRE(a);
  CHECK_FALSE(a->failure.failed());
  CHECK(a->rcode == 0);
  CHECK(texts(a->addresses) == std::vector<std::string>{"192.0.2.10", "192.0.2.11"});
  CHECK(a->resolver == "lab");
  CHECK(a->resolver_address == "127.0.0.1");
  CHECK(a->transport == "udp");
  CHECK(a->duration_us > 0);
  CHECK(server.udp_queries() == 1);
  CHECK(server.tcp_queries() == 0);

  auto aaaa = ask(loop, dns, "tcp", "www.example.test", "AAAA");
  REQUIRE(aaaa);
  CHECK_FALSE(aaaa->failure.failed());
  CHECK(texts(aaaa->addresses) == std::vector<std::string>{"2001:db8::10"});
  CHECK(aaaa->transport == "tcp");
  CHECK(server.tcp_queries() == 1);
  CHECK(server.udp_queries() == 1);

  auto a_tcp = ask(loop, dns, "tcp", "www.example.test", "A");
  REQUIRE(a_tcp);
  CHECK(texts(a_tcp->addresses) == std::vector<std::string>{"192.0.2.10", "192.0.2.11"});
  auto aaaa_udp = ask(loop, dns, "udp", "www.example.test", "AAAA");
  REQUIRE(aaaa_udp);
  CHECK(texts(aaaa_udp->addresses) == std::vector<std::string>{"2001:db8::10"});
  CHECK(server.tcp_queries() == 2);
  CHECK(server.udp_queries() == 2);
}

TEST_CASE("CNAME chains are recorded with the final addresses", "[net][dns]") {
  EventLoop loop;
  FakeDnsServer server(loop);
  server.set("alias.example.test", {{"192.0.2.20"}, {}, "target.example.test", 0, false});
  DnsEngine dns(loop, lab_resolvers(server.port()));
  auto a = ask(loop, dns, "udp", "alias.example.test", "A");
  REQUIRE(a);
  CHECK_FALSE(a->failure.failed());
  CHECK(texts(a->addresses) == std::vector<std::string>{"192.0.2.20"});
  REQUIRE(a->cnames.size() == 1);
  CHECK(a->cnames[0] == "alias.example.test");
}

TEST_CASE("rcodes come back as data: NXDOMAIN, SERVFAIL, REFUSED, no answer", "[net][dns]") {
  EventLoop loop;
  FakeDnsServer server(loop);
  server.set("servfail.example.test", {{}, {}, "", 2, false});
  server.set("refused.example.test", {{}, {}, "", 5, false});
  server.set("v4only.example.test", {{"192.0.2.30"}, {}, "", 0, false});
  DnsEngine dns(loop, lab_resolvers(server.port()));
  for (const char* transport : {"udp", "tcp"}) {
    INFO(transport);
    auto nx = ask(loop, dns, transport, "missing.example.test", "A");
    REQUIRE(nx);
    CHECK(nx->failure.ooni_string() == "dns_nxdomain_error");
    CHECK(nx->failure.op == Operation::resolve);
    CHECK(nx->rcode == 3);
    CHECK(nx->addresses.empty());

    auto sf = ask(loop, dns, transport, "servfail.example.test", "A");
    REQUIRE(sf);
    CHECK(sf->failure.ooni_string() == "dns_servfail_error");
    CHECK(sf->rcode == 2);

    auto rf = ask(loop, dns, transport, "refused.example.test", "AAAA");
    REQUIRE(rf);
    CHECK(rf->failure.ooni_string() == "dns_refused_error");
    CHECK(rf->rcode == 5);

    auto empty = ask(loop, dns, transport, "v4only.example.test", "AAAA");
    REQUIRE(empty);
    CHECK(empty->failure.ooni_string() == "dns_no_answer");
    CHECK(empty->rcode == 0);
  }
}

TEST_CASE("a silent server ends the query by its deadline with generic_timeout_error",
          "[net][dns]") {
  EventLoop loop;
  FakeDnsServer server(loop);
  server.set("silent.example.test", {{}, {}, "", 0, true});
  server.set("fast.example.test", {{"192.0.2.40"}, {}, "", 0, false});
  DnsEngine dns(loop, lab_resolvers(server.port()));
  for (const char* transport : {"udp", "tcp"}) {
    INFO(transport);
    std::optional<DnsAnswer> slow, fast;
    const auto start = loop.now();
    SteadyTime slow_at{}, fast_at{};
    dns.query("lab", transport, "silent.example.test", "A", 600ms, [&](DnsAnswer a) {
      slow = std::move(a);
      slow_at = loop.now();
    });
    dns.query("lab", transport, "fast.example.test", "A", 600ms, [&](DnsAnswer a) {
      fast = std::move(a);
      fast_at = loop.now();
    });
    REQUIRE(loop.run_until([&] { return slow && fast; }, 3000ms));
    CHECK(slow->failure.ooni_string() == "generic_timeout_error");
    CHECK(slow->failure.op == Operation::resolve);
    CHECK(slow->rcode == -1);
    CHECK(slow_at - start <= 600ms + 50ms);
    CHECK(slow_at - start >= 500ms);
    // The silent query delays nothing else on the same channel.
    CHECK_FALSE(fast->failure.failed());
    CHECK(fast_at - start < 300ms);
  }
  // c-ares retransmitted within the deadline (two tries, timeout/3 then 2·timeout/3).
  CHECK(server.udp_queries() >= 3);
}

TEST_CASE("UDP to a closed loopback port fails by the deadline", "[net][dns]") {
  EventLoop loop;
  // Take a free port and release it: nothing listens there afterwards.
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  socklen_t len = sizeof sa;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  close(fd);
  DnsEngine dns(loop, lab_resolvers(ntohs(sa.sin_port)));
  const auto start = loop.now();
  auto a = ask(loop, dns, "udp", "www.example.test", "A", 900ms);
  REQUIRE(a);
  CHECK(loop.now() - start <= 900ms + 50ms);
  // ICMP port unreachable surfaces as ECONNREFUSED in c-ares 1.18.
  CHECK((a->failure.ooni_string() == "connection_refused" ||
         a->failure.ooni_string() == "generic_timeout_error"));
  INFO(a->failure.ooni_string());
  auto t = ask(loop, dns, "tcp", "www.example.test", "A", 900ms);
  REQUIRE(t);
  CHECK(t->failure.failed());
  CHECK(t->failure.op == Operation::resolve);
}

TEST_CASE("the system resolver is the first nameserver of resolv.conf", "[net][dns]") {
  EventLoop loop;
  FakeDnsServer server(loop);
  server.set("sys.example.test", {{"192.0.2.50"}, {}, "", 0, false});
  const std::string path = "/tmp/nv-b-resolv-" + std::to_string(getpid()) + ".conf";
  {
    std::ofstream f(path);
    f << "# test\nsearch example.test\noptions ndots:5 timeout:30\nnameserver bogus\n"
         "nameserver 127.0.0.1\nnameserver 127.0.0.2\n";
  }
  DnsEngine dns(loop, {{"system", "", server.port(), {"udp"}}}, path);
  unlink(path.c_str());
  CHECK(dns.resolver_names() == std::vector<std::string>{"system"});
  CHECK(dns.transports("system") == std::vector<std::string>{"udp"});
  CHECK(dns.transports("nope").empty());
  auto a = ask(loop, dns, "udp", "sys.example.test", "A", 1000ms, "system");
  REQUIRE(a);
  CHECK(a->resolver_address == "127.0.0.1");
  CHECK(texts(a->addresses) == std::vector<std::string>{"192.0.2.50"});
  // "search" is ignored: the bare name is asked as given, not sys.example.test.example.test.
  auto bare = ask(loop, dns, "udp", "sys", "A", 1000ms, "system");
  REQUIRE(bare);
  CHECK(bare->failure.ooni_string() == "dns_nxdomain_error");
}

TEST_CASE("resolve gives A then AAAA and IP literals need no query", "[net][dns]") {
  EventLoop loop;
  FakeDnsServer server(loop);
  server.set("dual.example.test", {{"192.0.2.60"}, {"2001:db8::60"}, "", 0, false});
  server.set("v6only.example.test", {{}, {"2001:db8::61"}, "", 0, false});
  DnsEngine dns(loop, lab_resolvers(server.port()));
  auto run = [&](const std::string& name) {
    std::optional<ResolveResult> r;
    dns.resolve(name, 1000ms, [&](ResolveResult x) { r = std::move(x); });
    loop.run_until([&] { return r.has_value(); }, 3000ms);
    return r;
  };
  auto dual = run("dual.example.test");
  REQUIRE(dual);
  CHECK_FALSE(dual->failure.failed());
  CHECK(texts(dual->addresses) == std::vector<std::string>{"192.0.2.60", "2001:db8::60"});
  CHECK(dual->answers.size() == 2);
  auto v6 = run("v6only.example.test");
  REQUIRE(v6);
  CHECK_FALSE(v6->failure.failed());
  CHECK(texts(v6->addresses) == std::vector<std::string>{"2001:db8::61"});
  auto nx = run("nothing.example.test");
  REQUIRE(nx);
  CHECK(nx->failure.ooni_string() == "dns_nxdomain_error");
  const int before = server.udp_queries();
  auto lit = run("2001:db8::1");
  REQUIRE(lit);
  CHECK(texts(lit->addresses) == std::vector<std::string>{"2001:db8::1"});
  CHECK(server.udp_queries() == before);
}

TEST_CASE("unknown resolvers and query types fail as data", "[net][dns]") {
  EventLoop loop;
  DnsEngine dns(loop, lab_resolvers(9));
  auto a = ask(loop, dns, "udp", "x.example.test", "A", 500ms, "nope");
  REQUIRE(a);
  CHECK(a->failure.code == Failure::unknown_failure);
  auto b = ask(loop, dns, "udp", "x.example.test", "MX", 500ms);
  REQUIRE(b);
  CHECK(b->failure.code == Failure::unknown_failure);
}

TEST_CASE("no threads, no leaked fds, in-flight queries abandoned on destruction", "[net][dns]") {
  const int fds_before = count_dir("/proc/self/fd");
  {
    EventLoop loop;
    FakeDnsServer server(loop);
    server.set("silent.example.test", {{}, {}, "", 0, true});
    server.set("ok.example.test", {{"192.0.2.70"}, {}, "", 0, false});
    int calls = 0;
    {
      DnsEngine dns(loop, lab_resolvers(server.port()));
      for (int i = 0; i < 20; ++i) {
        dns.query("lab", i % 2 ? "tcp" : "udp", "ok.example.test", "A", 1000ms,
                  [&](DnsAnswer) { ++calls; });
        dns.query("lab", i % 2 ? "tcp" : "udp", "silent.example.test", "A", 5000ms,
                  [&](DnsAnswer) { ++calls; });
      }
      CHECK(count_dir("/proc/self/task") == 2 + 1);  // ".", ".." and the one thread
      loop.run_until([&] { return calls >= 20; }, 3000ms);
      CHECK(calls == 20);
      CHECK(loop.watched_fds() > 2);  // the server's two plus c-ares' sockets
    }
    // The engine is gone: its sockets are unwatched and its timers cancelled.
    loop.run_until([] { return false; }, 50ms);
    CHECK(calls == 20);
    CHECK(loop.pending_timers() == 0);
  }
  CHECK(count_dir("/proc/self/fd") == fds_before);
}

TEST_CASE("many concurrent queries: silent ones delay none of the others", "[net][dns]") {
  EventLoop loop;
  FakeDnsServer server(loop);
  DnsEngine dns(loop, lab_resolvers(server.port()));
  constexpr int kQueries = 400;
  for (int i = 0; i < kQueries; ++i) {
    const std::string name = "n" + std::to_string(i) + ".example.test";
    if (i % 20 == 0) {
      server.set(name, {{}, {}, "", 0, true});
    } else {
      server.set(name, {{"192.0.2." + std::to_string(i % 250)}, {}, "", 0, false});
    }
  }
  int answered = 0, timed_out = 0, wrong = 0;
  std::chrono::steady_clock::duration slowest_answer{};
  const auto start = loop.now();
  for (int i = 0; i < kQueries; ++i) {
    const std::string name = "n" + std::to_string(i) + ".example.test";
    dns.query("lab", i % 2 ? "tcp" : "udp", name, "A", 800ms, [&, i](DnsAnswer a) {
      const bool silent = i % 20 == 0;
      if (silent) {
        timed_out += a.failure.code == Failure::generic_timeout_error;
        return;
      }
      if (a.failure.failed() || a.addresses.size() != 1 ||
          a.addresses[0].to_string() != "192.0.2." + std::to_string(i % 250)) {
        ++wrong;
        return;
      }
      ++answered;
      slowest_answer = std::max(slowest_answer, loop.now() - start);
    });
  }
  REQUIRE(loop.run_until([&] { return answered + timed_out + wrong == kQueries; }, 3000ms));
  CHECK(wrong == 0);
  CHECK(answered == kQueries - kQueries / 20);
  CHECK(timed_out == kQueries / 20);
  CHECK(slowest_answer < 400ms);
  CHECK(loop.now() - start <= 800ms + 100ms);
}

TEST_CASE("an unreachable resolver is network_unreachable, not connection_refused",
          "[net][dns][netns]") {
  // In a child process moved into a fresh network namespace (no routes, loopback down), a
  // resolver at a documentation address cannot even be connected to. The namespace dies with
  // the child; nothing leaves it.
  int out[2];
  REQUIRE(pipe(out) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(out[0]);
    std::string result;
    if (unshare(CLONE_NEWNET) != 0) {
      result = "unshare failed (needs CAP_SYS_ADMIN)";
    } else {
      EventLoop loop;
      DnsEngine dns(loop, {{"lab", "192.0.2.53", 53, {"udp", "tcp"}}});
      std::optional<DnsAnswer> udp, tcp;
      dns.query("lab", "udp", "www.example.test", "A", 1000ms, [&](DnsAnswer a) { udp = a; });
      dns.query("lab", "tcp", "www.example.test", "A", 1000ms, [&](DnsAnswer a) { tcp = a; });
      loop.run_until([&] { return udp && tcp; }, 3000ms);
      result = (udp ? udp->failure.ooni_string() : "none") + " " +
               (tcp ? tcp->failure.ooni_string() : "none");
    }
    const ssize_t w = write(out[1], result.data(), result.size());
    _exit(w == static_cast<ssize_t>(result.size()) ? 0 : 1);
  }
  close(out[1]);
  std::string got;
  char buf[256];
  ssize_t n = 0;
  while ((n = read(out[0], buf, sizeof buf)) > 0) got.append(buf, static_cast<std::size_t>(n));
  close(out[0]);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(got == "network_unreachable network_unreachable");
}
