// The dns probe against two loopback fake resolvers: clean answers, tampering (bogon, block
// page, unexpected prefix, lone NXDOMAIN), failures, consistency, deadlines, fds.
#include "probe/dns_probe.hpp"

#include <dirent.h>

#include <catch2/catch.hpp>
#include <optional>

#include "../support/fake_dns_server.hpp"
#include "loop/event_loop.hpp"
#include "net/dns_engine.hpp"
#include "probe/blocking_knowledge.hpp"

using namespace netvigil;
using namespace std::chrono_literals;
using netvigil::testing::FakeDnsEntry;
using netvigil::testing::FakeDnsServer;

namespace {

Prefix prefix(const char* s) {
  auto p = Prefix::parse(s);
  REQUIRE(p);
  return *p;
}
PrefixList prefix_list(const char* name, const char* reviewed, const char* p) {
  PrefixList l;
  l.name = name;
  l.reviewed = reviewed;
  l.prefixes = {prefix(p)};
  return l;
}

FakeDnsEntry answers(std::vector<std::string> a, std::vector<std::string> aaaa = {}) {
  FakeDnsEntry e;
  e.a = std::move(a);
  e.aaaa = std::move(aaaa);
  return e;
}

FakeDnsEntry rcode(int code) {
  FakeDnsEntry e;
  e.rcode = code;
  return e;
}

FakeDnsEntry silent() {
  FakeDnsEntry e;
  e.silent = true;
  return e;
}

/// Two resolvers ("r1", "r2"), each over UDP and TCP, on one loop.
struct Lab {
  EventLoop loop;
  FakeDnsServer r1{loop};
  FakeDnsServer r2{loop};
  Config config;
  SystemClock clock;
  std::optional<BlockingKnowledge> knowledge;
  std::optional<DnsEngine> dns;
  ProbeEnv env;

  /// `ordinary`: declare the documentation ranges ordinary, as the lab's config does.
  explicit Lab(bool ordinary = true) {
    config.resolvers = {{"r1", "127.0.0.1", r1.port(), {"udp", "tcp"}},
                        {"r2", "127.0.0.1", r2.port(), {"udp", "tcp"}}};
    if (ordinary)
      config.bogon_ordinary = {prefix("192.0.2.0/24"), prefix("198.51.100.0/24"),
                               prefix("203.0.113.0/24"), prefix("2001:db8::/32")};
    config.blockpage_extra = {prefix("198.51.100.35")};
    Catalog cat;
    cat.name = "test";
    cat.blockpage_addresses = {prefix("10.10.34.34"), prefix("d0::11")};
    cat.prefix_lists = {prefix_list("example-as", "2026-01-01", "203.0.113.0/25")};
    config.catalogs.push_back(cat);
    knowledge = BlockingKnowledge::from(config);
    dns.emplace(loop, config.resolvers);
    env.loop = &loop;
    env.clock = &clock;
    env.dns = &*dns;
    env.config = &config;
    env.knowledge = &*knowledge;
  }

  void both(const std::string& name, const FakeDnsEntry& e) {
    r1.set(name, e);
    r2.set(name, e);
  }

  Measurement run(ProbeSpec spec, std::chrono::milliseconds timeout = 1500ms) {
    spec.kind = ProbeKind::dns;
    if (spec.id.empty()) spec.id = "dns-test";
    std::optional<Measurement> got;
    run_dns_probe(env, spec, timeout, [&](Measurement m) { got = std::move(m); });
    REQUIRE(loop.run_until([&] { return got.has_value(); }, timeout + 1000ms));
    return *got;
  }
};

ProbeSpec spec_for(const std::string& host) {
  ProbeSpec s;
  s.host = host;
  return s;
}

}  // namespace

TEST_CASE("clean A and AAAA through every resolver over UDP and TCP", "[probe][dns]") {
  Lab lab;
  lab.both("www.example.test", answers({"192.0.2.10"}, {"2001:db8::10"}));
  auto m = lab.run(spec_for("www.example.test"));
  CHECK(m.ok);
  CHECK_FALSE(m.failure.failed());
  CHECK(m.method == Method::none);
  CHECK(m.probe_id == "dns-test");
  CHECK(m.kind == ProbeKind::dns);
  const auto& q = m.evidence["queries"];
  REQUIRE(q.size() == 8);  // 2 resolvers × 2 transports × 2 qtypes
  int tcp = 0, aaaa = 0;
  for (const auto& x : q) {
    CHECK(x["failure"].is_null());
    CHECK(x["rcode"] == 0);
    CHECK(x["tampering"].is_null());
    tcp += x["transport"] == "tcp";
    aaaa += x["query_type"] == "AAAA";
    CHECK(x["answers"][0] == (x["query_type"] == "A" ? "192.0.2.10" : "2001:db8::10"));
  }
  CHECK(tcp == 4);
  CHECK(aaaa == 4);
  CHECK(lab.r1.udp_queries() == 2);
  CHECK(lab.r1.tcp_queries() == 2);
  CHECK(lab.r2.tcp_queries() == 2);
  CHECK(m.evidence["consistency"] == "consistent");
  CHECK(m.phases.resolve_us > 0);
  CHECK(m.phases.total_us >= m.phases.resolve_us);
}

TEST_CASE("spec.resolvers and qtypes narrow the queries", "[probe][dns]") {
  Lab lab;
  lab.both("www.example.test", answers({"192.0.2.10"}));
  auto spec = spec_for("www.example.test");
  spec.resolvers = {"r2"};
  spec.qtypes = {"A"};
  auto m = lab.run(spec);
  CHECK(m.ok);
  REQUIRE(m.evidence["queries"].size() == 2);
  CHECK(m.evidence["queries"][0]["resolver"] == "r2");
  CHECK(lab.r1.udp_queries() + lab.r1.tcp_queries() == 0);
}

TEST_CASE("a host without AAAA is still clean", "[probe][dns]") {
  Lab lab;
  lab.both("v4.example.test", answers({"192.0.2.11"}));
  auto m = lab.run(spec_for("v4.example.test"));
  CHECK(m.ok);
  int no_answer = 0;
  for (const auto& x : m.evidence["queries"]) no_answer += x["failure"] == "dns_no_answer";
  CHECK(no_answer == 4);
}

TEST_CASE("a bogon answer is dns_bogon_error", "[probe][dns]") {
  Lab lab;
  lab.r1.set("blocked.example.test", answers({"10.10.34.36"}));
  lab.r2.set("blocked.example.test", answers({"192.0.2.12"}));
  auto m = lab.run(spec_for("blocked.example.test"));
  CHECK_FALSE(m.ok);
  CHECK(m.failure.ooni_string() == "dns_bogon_error");
  CHECK(m.failure.op == Operation::resolve);
  CHECK(m.method == Method::dns);
  CHECK(m.evidence["tampering"] == "bogon");
  CHECK(m.evidence["bogon"][0] == "10.10.34.36");
  CHECK(m.evidence["consistency"] == "inconsistent");
  for (const auto& x : m.evidence["queries"])
    if (x["resolver"] == "r1" && x["query_type"] == "A") CHECK(x["tampering"] == "bogon");
}

TEST_CASE("a block-page address is dns_bogon_error even inside an ordinary range", "[probe][dns]") {
  Lab lab;  // 198.51.100.0/24 is declared ordinary, 198.51.100.35 is the block-page stand-in
  lab.both("censored.example.test", answers({"198.51.100.35"}));
  lab.both("neighbour.example.test", answers({"198.51.100.36"}));
  auto m = lab.run(spec_for("censored.example.test"));
  CHECK_FALSE(m.ok);
  CHECK(m.failure.ooni_string() == "dns_bogon_error");
  CHECK(m.method == Method::dns);
  CHECK(m.evidence["tampering"] == "blockpage");
  CHECK(m.evidence["blockpage"][0] == "198.51.100.35");
  CHECK(m.evidence["consistency"] == "consistent");  // every resolver lies alike
  auto n = lab.run(spec_for("neighbour.example.test"));
  CHECK(n.ok);
  // The catalog's IPv6 block page, too.
  lab.both("v6block.example.test", answers({}, {"d0::11"}));
  auto v6 = lab.run(spec_for("v6block.example.test"));
  CHECK(v6.failure.ooni_string() == "dns_bogon_error");
  CHECK(v6.evidence["blockpage"][0] == "d0::11");
}

TEST_CASE("the ordinary override makes documentation-range answers clean", "[probe][dns]") {
  for (bool ordinary : {true, false}) {
    INFO("ordinary " << ordinary);
    Lab lab(ordinary);
    lab.both("lab.example.test", answers({"192.0.2.13"}, {"2001:db8::13"}));
    auto m = lab.run(spec_for("lab.example.test"));
    CHECK(m.ok == ordinary);
    CHECK(m.failure.ooni_string() == (ordinary ? "" : "dns_bogon_error"));
  }
}

TEST_CASE("answers outside the expected prefix list fail as dns_unexpected_answer",
          "[probe][dns]") {
  Lab lab;
  lab.both("inside.example.test", answers({"203.0.113.5"}));
  lab.both("outside.example.test", answers({"203.0.113.200"}));
  auto spec = spec_for("inside.example.test");
  spec.qtypes = {"A"};
  spec.expect_prefixes = "example-as";
  auto in = lab.run(spec);
  CHECK(in.ok);
  spec.host = "outside.example.test";
  auto out = lab.run(spec);
  CHECK_FALSE(out.ok);
  CHECK(out.failure.ooni_string() == "unknown_failure: dns_unexpected_answer");
  CHECK(out.failure.code == Failure::unknown_failure);
  CHECK(out.method == Method::dns);
  CHECK(out.evidence["tampering"] == "unexpected");
  CHECK(out.evidence["unexpected"][0] == "203.0.113.200");
  spec.expect_prefixes = "no-such-list";
  auto missing = lab.run(spec);
  CHECK(missing.ok);
  CHECK(missing.evidence["expect_prefixes_missing"] == true);
}

TEST_CASE("NXDOMAIN everywhere is dns_nxdomain_error", "[probe][dns]") {
  Lab lab;
  auto m = lab.run(spec_for("gone.example.test"));
  CHECK_FALSE(m.ok);
  CHECK(m.failure.ooni_string() == "dns_nxdomain_error");
  CHECK(m.method == Method::dns);
  CHECK(m.evidence["queries"][0]["rcode"] == 3);
  CHECK(m.evidence["consistency"] == "consistent");
  CHECK(m.evidence["tampering"].is_null());
}

TEST_CASE("NXDOMAIN at one resolver only is tampering", "[probe][dns]") {
  Lab lab;
  lab.r1.set("liar.example.test", rcode(3));
  lab.r2.set("liar.example.test", answers({"192.0.2.14"}));
  auto m = lab.run(spec_for("liar.example.test"));
  CHECK_FALSE(m.ok);
  CHECK(m.failure.ooni_string() == "dns_nxdomain_error");
  CHECK(m.evidence["tampering"] == "nxdomain");
  CHECK(m.evidence["consistency"] == "inconsistent");
}

TEST_CASE("differing clean answers are inconsistent but not failed", "[probe][dns]") {
  Lab lab;
  lab.r1.set("cdn.example.test", answers({"192.0.2.21", "192.0.2.22"}));
  lab.r2.set("cdn.example.test", answers({"192.0.2.23"}));
  lab.r1.set("shared.example.test", answers({"192.0.2.31", "192.0.2.32"}));
  lab.r2.set("shared.example.test", answers({"192.0.2.32", "192.0.2.33"}));
  auto spec = spec_for("cdn.example.test");
  spec.qtypes = {"A"};
  auto m = lab.run(spec);
  CHECK(m.ok);
  CHECK(m.evidence["consistency"] == "inconsistent");
  CHECK(m.evidence["consistency_by_qtype"]["A"] == "inconsistent");
  spec.host = "shared.example.test";
  auto s = lab.run(spec);
  CHECK(s.ok);
  CHECK(s.evidence["consistency"] == "consistent");
}

TEST_CASE("SERVFAIL at one resolver next to a clean answer is recorded, not failed",
          "[probe][dns]") {
  Lab lab;
  lab.r1.set("flaky.example.test", rcode(2));
  lab.r2.set("flaky.example.test", answers({"192.0.2.15"}));
  auto m = lab.run(spec_for("flaky.example.test"));
  CHECK(m.ok);
  int servfail = 0;
  for (const auto& x : m.evidence["queries"]) servfail += x["failure"] == "dns_servfail_error";
  CHECK(servfail == 4);
  lab.r2.set("flaky.example.test", rcode(2));
  auto all = lab.run(spec_for("flaky.example.test"));
  CHECK_FALSE(all.ok);
  CHECK(all.failure.ooni_string() == "dns_servfail_error");
}

TEST_CASE("silent resolvers end the run by its deadline with generic_timeout_error",
          "[probe][dns]") {
  Lab lab;
  lab.both("hang.example.test", silent());
  const auto start = lab.loop.now();
  auto m = lab.run(spec_for("hang.example.test"), 700ms);
  const auto took = lab.loop.now() - start;
  CHECK(took <= 700ms + 50ms);
  CHECK(took >= 600ms);
  CHECK_FALSE(m.ok);
  CHECK(m.failure.ooni_string() == "generic_timeout_error");
  CHECK(m.method == Method::dns);
  CHECK(m.evidence["queries"].size() == 8);
}

TEST_CASE("the dns probe leaks no fds", "[probe][dns]") {
  auto count = [] {
    int n = 0;
    if (DIR* d = opendir("/proc/self/fd")) {
      while (readdir(d) != nullptr) ++n;
      closedir(d);
    }
    return n;
  };
  const int before = count();
  {
    Lab lab;
    lab.both("www.example.test", answers({"192.0.2.10"}, {"2001:db8::10"}));
    lab.r1.set("hang.example.test", silent());
    for (int i = 0; i < 3; ++i) CHECK(lab.run(spec_for("www.example.test")).ok);
    CHECK_FALSE(lab.run(spec_for("hang.example.test"), 300ms).ok);
  }
  CHECK(count() == before);
}

TEST_CASE("dns: a huge answer is judged whole but evidence keeps 32 addresses per list", "[probe][dns]") {
  ProbeSpec spec;
  spec.id = "huge";
  spec.kind = ProbeKind::dns;
  spec.host = "huge.example";
  spec.qtypes = {"A"};
  Config config;
  const auto k = BlockingKnowledge::from(config);
  DnsAnswer a;
  a.resolver = "system";
  a.transport = "tcp";
  a.qtype = "A";
  a.rcode = 0;
  for (int i = 0; i < 4000; ++i) {
    auto ip = IpAddress::parse("192.0.2." + std::to_string(i % 250 + 1));
    REQUIRE(ip);
    a.addresses.push_back(*ip);
  }
  // One loopback address at the very end: a bogon, found although it is past the cap.
  a.addresses.push_back(*IpAddress::parse("127.0.0.1"));
  for (int i = 0; i < 100; ++i) a.cnames.push_back("c" + std::to_string(i) + ".example");
  Measurement m;
  judge_dns_answers(spec, &k, {a}, m);
  CHECK_FALSE(m.ok);
  CHECK(m.failure.code == Failure::dns_bogon_error);
  const auto& q = m.evidence["queries"][0];
  CHECK(q["answers"].size() == 32);
  CHECK(q["omitted"]["answers"] == 4001 - 32);
  CHECK(q["cnames"].size() == 32);
  CHECK(q["omitted"]["cnames"] == 100 - 32);
  CHECK(m.evidence.dump().size() < 4096);
}
