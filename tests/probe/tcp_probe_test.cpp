// The tcp probe on loopback only: success (v4 and v6), refused, refused_ok, timeout against a
// listener whose accept queue is full, resolve failures, the gateway from fixture route
// files, and no leaked fds. Nothing outside 127.0.0.1 / ::1 is ever dialled.
#include "probe/tcp_probe.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <optional>

#include "../support/fake_dns_server.hpp"
#include "loop/event_loop.hpp"
#include "net/dns_engine.hpp"

using namespace netvigil;
using namespace std::chrono_literals;
using netvigil::testing::FakeDnsEntry;
using netvigil::testing::FakeDnsServer;

namespace {

int count_fds() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d) != nullptr) ++n;
    closedir(d);
  }
  return n;
}

/// A listening socket on a loopback address and ephemeral port; never accepts.
struct Listener {
  int fd = -1;
  std::uint16_t port = 0;
  Listener(int family, int backlog) {
    fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (family == AF_INET) {
      auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
      sa->sin_family = AF_INET;
      sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      len = sizeof *sa;
    } else {
      auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
      sa->sin6_family = AF_INET6;
      sa->sin6_addr = in6addr_loopback;
      len = sizeof *sa;
    }
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0);
    REQUIRE(listen(fd, backlog) == 0);
    getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    port = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                   : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  }
  ~Listener() { close(fd); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
};

/// A port on 127.0.0.1 with nothing listening (bound, then released).
std::uint16_t closed_port() {
  Listener l(AF_INET, 1);
  return l.port;
}

/// Fill the accept queue of a backlog-0 listener that never accepts: the kernel then drops new
/// SYNs (tcp_conn_request, "listen queue overflow"), so further connects hang until a
/// deadline. Returns the filler sockets; the last one is itself hanging.
std::vector<int> fill_backlog(const Listener& l) {
  std::vector<int> fillers;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(l.port);
  for (int i = 0; i < 16; ++i) {
    const int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    connect(c, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    fillers.push_back(c);
    pollfd p{c, POLLOUT, 0};
    if (poll(&p, 1, 200) == 0) return fillers;  // this one hangs: the queue is full
  }
  FAIL("the listener's accept queue never filled");
  return fillers;
}

struct Env {
  EventLoop loop;
  SystemClock clock;
  FakeDnsServer dns_server{loop};
  std::optional<DnsEngine> dns;
  ProbeEnv env;
  Env() {
    dns.emplace(loop, std::vector<ResolverSpec>{{"lab", "127.0.0.1", dns_server.port(), {"udp"}}});
    env.loop = &loop;
    env.clock = &clock;
    env.dns = &*dns;
  }
  Measurement run(const ProbeSpec& s, std::chrono::milliseconds timeout = 1000ms,
                  const LinkPaths& paths = LinkPaths{}) {
    std::optional<Measurement> got;
    ProbeSpec spec = s;
    spec.kind = ProbeKind::tcp;
    run_tcp_probe(
        env, spec, timeout, [&](Measurement m) { got = std::move(m); }, paths);
    REQUIRE(loop.run_until([&] { return got.has_value(); }, timeout + 1000ms));
    return *got;
  }
};

ProbeSpec tcp_spec(const std::string& host, std::vector<std::uint16_t> ports) {
  ProbeSpec s;
  s.id = "tcp-test";
  s.host = host;
  s.ports = std::move(ports);
  return s;
}

}  // namespace

TEST_CASE("connect succeeds to an IP literal", "[probe][tcp]") {
  Env e;
  Listener l(AF_INET, 16);
  auto m = e.run(tcp_spec("127.0.0.1", {l.port}));
  CHECK(m.ok);
  CHECK_FALSE(m.failure.failed());
  CHECK(m.method == Method::none);
  CHECK(m.probe_id == "tcp-test");
  REQUIRE(m.evidence["connects"].size() == 1);
  const auto& c = m.evidence["connects"][0];
  CHECK(c["family"] == "v4");
  CHECK(c["address"] == "127.0.0.1");
  CHECK(c["port"] == l.port);
  CHECK(c["failure"].is_null());
  CHECK(c["connect_us"] >= 0);
  CHECK(m.phases.connect_us >= 0);
  CHECK(m.phases.resolve_us == -1);
  CHECK(m.evidence.count("resolve") == 0);
}

TEST_CASE("every resolved address and port, v4 and v6 labelled", "[probe][tcp]") {
  Env e;
  Listener v4(AF_INET, 16);
  Listener v6(AF_INET6, 16);
  FakeDnsEntry entry;
  entry.a = {"127.0.0.1"};
  entry.aaaa = {"::1"};
  e.dns_server.set("both.example.test", entry);
  const std::uint16_t closed = closed_port();
  auto m = e.run(tcp_spec("both.example.test", {v4.port, closed}));
  // v4 then v6, each port in order: 127.0.0.1:v4 ok, 127.0.0.1:closed refused, ::1:v4.port (v6
  // listener has its own port, so refused unless they coincide), ::1:closed refused.
  const auto& c = m.evidence["connects"];
  REQUIRE(c.size() == 4);
  CHECK(c[0]["family"] == "v4");
  CHECK(c[0]["address"] == "127.0.0.1");
  CHECK(c[0]["failure"].is_null());
  CHECK(c[1]["failure"] == "connection_refused");
  CHECK(c[2]["family"] == "v6");
  CHECK(c[2]["address"] == "::1");
  CHECK(c[3]["family"] == "v6");
  CHECK(c[3]["failure"] == "connection_refused");
  CHECK(m.ok);
  CHECK(m.evidence["resolve"]["addresses"] == nlohmann::json::array({"127.0.0.1", "::1"}));
  CHECK(m.phases.resolve_us > 0);

  auto six = e.run(tcp_spec("::1", {v6.port}));
  CHECK(six.ok);
  CHECK(six.evidence["connects"][0]["family"] == "v6");
}

TEST_CASE("a refused connect fails unless refused_ok", "[probe][tcp]") {
  Env e;
  auto spec = tcp_spec("127.0.0.1", {closed_port()});
  auto m = e.run(spec);
  CHECK_FALSE(m.ok);
  CHECK(m.failure.ooni_string() == "connection_refused");
  CHECK(m.failure.op == Operation::connect);
  CHECK(m.method == Method::tcp_ip);
  CHECK(m.phases.connect_us == -1);
  spec.refused_ok = true;
  auto ok = e.run(spec);
  CHECK(ok.ok);
  CHECK_FALSE(ok.failure.failed());
  CHECK(ok.evidence["connects"][0]["failure"] == "connection_refused");
}

TEST_CASE("a connect that never completes ends by the deadline", "[probe][tcp]") {
  Env e;
  Listener l(AF_INET, 0);
  auto fillers = fill_backlog(l);
  Listener fast(AF_INET, 16);
  const auto start = e.loop.now();
  auto spec = tcp_spec("127.0.0.1", {l.port, fast.port});
  auto m = e.run(spec, 500ms);
  const auto took = e.loop.now() - start;
  for (int fd : fillers) close(fd);
  CHECK(took >= 450ms);
  CHECK(took <= 500ms + 50ms);
  const auto& c = m.evidence["connects"];
  REQUIRE(c.size() == 2);
  CHECK(c[0]["failure"] == "generic_timeout_error");
  CHECK(c[1]["failure"].is_null());
  CHECK(c[1]["connect_us"] < 100'000);  // the hung connect delayed nothing
  CHECK(m.ok);
}

TEST_CASE("a name that does not resolve fails at resolve with method dns", "[probe][tcp]") {
  Env e;
  auto m = e.run(tcp_spec("gone.example.test", {443}));
  CHECK_FALSE(m.ok);
  CHECK(m.failure.ooni_string() == "dns_nxdomain_error");
  CHECK(m.failure.op == Operation::resolve);
  CHECK(m.method == Method::dns);
  CHECK(m.evidence["connects"].empty());
  CHECK(m.evidence["resolve"]["failure"] == "dns_nxdomain_error");
}

TEST_CASE("spec.address is dialled instead of resolving the host", "[probe][tcp]") {
  Env e;
  Listener l(AF_INET, 16);
  auto spec = tcp_spec("gone.example.test", {l.port});
  spec.address = "127.0.0.1";
  auto m = e.run(spec);
  CHECK(m.ok);
  CHECK(e.dns_server.udp_queries() == 0);
}

namespace {

/// A scratch directory with fixture route tables and a fake /sys/class/net.
struct LinkFixture {
  std::string dir;
  LinkPaths paths;
  explicit LinkFixture(const std::string& tag) {
    dir = "/tmp/nv-b-link-" + tag + "-" + std::to_string(getpid());
    mkdir(dir.c_str(), 0700);
    mkdir((dir + "/net").c_str(), 0700);
    paths = {dir + "/route", dir + "/ipv6_route", dir + "/net"};
    write("route",
          "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n");
    write("ipv6_route", "");
  }
  ~LinkFixture() {
    for (const auto& f : files_) unlink(f.c_str());
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) rmdir(it->c_str());
    rmdir((dir + "/net").c_str());
    rmdir(dir.c_str());
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir + "/" + name) << text;
    files_.push_back(dir + "/" + name);
  }
  void carrier(const std::string& iface, const std::string& value) {
    const std::string d = dir + "/net/" + iface;
    mkdir(d.c_str(), 0700);
    dirs_.push_back(d);
    write("net/" + iface + "/carrier", value);
  }
  std::vector<std::string> files_, dirs_;
};

const char* kRouteHeader =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";

}  // namespace

TEST_CASE("the default gateway is parsed from /proc/net/route and ipv6_route",
          "[probe][tcp][gateway]") {
  LinkFixture fx("parse");
  // The kernel prints each address as its network-order 32-bit value read as a host integer
  // ("%08X" of s_addr); the fixture lines are written the same way.
  in_addr gw_a{}, gw_b{};
  inet_pton(AF_INET, "192.0.2.1", &gw_a);
  inet_pton(AF_INET, "198.51.100.1", &gw_b);
  char line_a[128], line_b[128];
  snprintf(line_a, sizeof line_a, "wlan0\t00000000\t%08X\t0003\t0\t0\t600\t00000000\t0\t0\t0\n",
           gw_a.s_addr);
  snprintf(line_b, sizeof line_b, "eth0\t00000000\t%08X\t0003\t0\t0\t100\t00000000\t0\t0\t0\n",
           gw_b.s_addr);
  fx.write("route",
           std::string(kRouteHeader) +
               "eth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n" +   // on-link
               "eth0\t00000000\t00000000\t0001\t0\t0\t50\t00000000\t0\t0\t0\n" +  // no gateway
               "tun0\t00000000\t0100000A\t0002\t0\t0\t10\t00000000\t0\t0\t0\n" +  // not UP
               line_a + line_b);
  fx.write("ipv6_route",
           "20010db8000000000000000000000000 40 00000000000000000000000000000000 00 "
           "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
           "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
           "fe800000000000000000000000000001 00000400 00000002 00000000 00000003     eth0\n"
           "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
           "fe800000000000000000000000000002 00000100 00000002 00000000 00000003     wlan0\n"
           "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
           "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n");
  auto v4 = read_default_gateway_v4(fx.paths.route);
  REQUIRE(v4);
  CHECK(v4->interface == "eth0");
  CHECK(v4->address.to_string() == "198.51.100.1");
  CHECK(v4->metric == 100);
  auto v6 = read_default_gateway_v6(fx.paths.ipv6_route);
  REQUIRE(v6);
  CHECK(v6->interface == "wlan0");
  CHECK(v6->address.to_string() == "fe80::2");
  CHECK(v6->metric == 0x100);
  fx.carrier("eth0", "1\n");
  fx.carrier("wlan0", "0\n");
  CHECK(read_carrier(fx.paths.sys_class_net, "eth0") == std::optional<bool>(true));
  CHECK(read_carrier(fx.paths.sys_class_net, "wlan0") == std::optional<bool>(false));
  CHECK_FALSE(read_carrier(fx.paths.sys_class_net, "missing0").has_value());
  CHECK_FALSE(read_carrier(fx.paths.sys_class_net, "../x").has_value());
  CHECK(read_all_carriers(fx.paths.sys_class_net).size() == 2);
  CHECK_FALSE(read_default_gateway_v4(fx.dir + "/absent").has_value());
}

TEST_CASE("@gateway connects to the default gateway and records carrier", "[probe][tcp][gateway]") {
  Env e;
  Listener l(AF_INET, 16);
  LinkFixture fx("gw");
  // The fixture's gateway is 127.0.0.1 so the probe dials loopback only.
  in_addr lo{};
  inet_pton(AF_INET, "127.0.0.1", &lo);
  char line[128];
  snprintf(line, sizeof line, "test0\t00000000\t%08X\t0003\t0\t0\t0\t00000000\t0\t0\t0\n",
           lo.s_addr);
  fx.write("route", std::string(kRouteHeader) + line);
  fx.carrier("test0", "1\n");
  auto spec = tcp_spec("@gateway", {l.port});
  auto m = e.run(spec, 1000ms, fx.paths);
  CHECK(m.ok);
  CHECK(m.evidence["carrier"]["test0"] == true);
  CHECK(m.evidence["gateway"]["interface"] == "test0");
  REQUIRE(m.evidence["connects"].size() == 1);
  CHECK(m.evidence["connects"][0]["address"] == "gateway");  // never the address itself
  CHECK(m.evidence.dump().find("127.0.0.1") == std::string::npos);

  // A gateway that refuses still proves the link with refused_ok.
  spec.ports = {closed_port()};
  auto refused = e.run(spec, 1000ms, fx.paths);
  CHECK_FALSE(refused.ok);
  CHECK(refused.failure.ooni_string() == "connection_refused");
  spec.refused_ok = true;
  CHECK(e.run(spec, 1000ms, fx.paths).ok);

  // IPv6 default route through ::1.
  fx.write("route", kRouteHeader);
  fx.write("ipv6_route",
           "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
           "00000000000000000000000000000001 00000400 00000002 00000000 00000003     test0\n");
  Listener l6(AF_INET6, 16);
  spec.ports = {l6.port};
  spec.refused_ok = false;
  auto v6 = e.run(spec, 1000ms, fx.paths);
  CHECK(v6.ok);
  CHECK(v6.evidence["connects"][0]["family"] == "v6");
}

TEST_CASE("@gateway without a default route is network_unreachable", "[probe][tcp][gateway]") {
  Env e;
  LinkFixture fx("none");
  fx.carrier("test0", "0\n");
  fx.carrier("test1", "1\n");
  auto spec = tcp_spec("@gateway", {53});
  spec.refused_ok = true;
  auto m = e.run(spec, 500ms, fx.paths);
  CHECK_FALSE(m.ok);
  CHECK(m.failure.ooni_string() == "network_unreachable");
  CHECK(m.failure.op == Operation::connect);
  CHECK(m.method == Method::tcp_ip);
  CHECK(m.evidence["carrier"]["test0"] == false);
  CHECK(m.evidence["carrier"]["test1"] == true);
  CHECK(m.evidence["gateway"].is_null());
  CHECK(m.evidence["connects"].empty());
}

TEST_CASE("the tcp probe leaks no fds", "[probe][tcp]") {
  const int before = count_fds();
  {
    Env e;
    Listener ok(AF_INET, 16);
    Listener full(AF_INET, 0);
    auto fillers = fill_backlog(full);
    for (int i = 0; i < 3; ++i) {
      auto m = e.run(tcp_spec("127.0.0.1", {ok.port, full.port, closed_port()}), 200ms);
      CHECK(m.ok);
      CHECK(m.evidence["connects"][1]["failure"] == "generic_timeout_error");
      CHECK(m.evidence["connects"][2]["failure"] == "connection_refused");
    }
    CHECK(e.loop.watched_fds() == 2);  // only the fake DNS server's sockets remain
    for (int fd : fillers) close(fd);
  }
  CHECK(count_fds() == before);
}

TEST_CASE("tearing the loop down mid-run closes the probe's sockets", "[probe][tcp]") {
  const int before = count_fds();
  Listener full(AF_INET, 0);
  auto fillers = fill_backlog(full);
  {
    EventLoop loop;
    SystemClock clock;
    ProbeEnv env;
    env.loop = &loop;
    env.clock = &clock;
    int calls = 0;
    run_tcp_probe(env, tcp_spec("127.0.0.1", {full.port}), 5000ms, [&](Measurement) { ++calls; });
    loop.run_until([] { return false; }, 50ms);
    CHECK(calls == 0);
    CHECK(loop.watched_fds() == 1);
  }
  for (int fd : fillers) close(fd);
  close(full.fd);
  full.fd = -1;
  CHECK(count_fds() == before);
}
