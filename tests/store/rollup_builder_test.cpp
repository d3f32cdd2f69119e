// RollupBuilder: scopes (groups, services, throughput), step boundaries, grace, gaps.
#include <catch2/catch.hpp>

#include "store/rollup_builder.hpp"
#include "store_test_support.hpp"

using namespace netvigil;
using namespace netvigil::testing;
using std::chrono::milliseconds;

namespace {
constexpr std::int64_t kStep0 = 1'750'000'020'000;  // a multiple of 60 s (in ms)

const Rollup* find(const RollupStep& s, const std::string& scope) {
  for (const auto& r : s.rollups)
    if (r.scope == scope) return &r;
  return nullptr;
}
}  // namespace

TEST_CASE("scopes: groups count probes without a service, services count verdicts, throughput apart", "[store]") {
  auto plain = make_measurement("a", kStep0, true, Group::domestic);
  CHECK(rollup_scope(plain) == "domestic");
  auto endpoint = make_measurement("tg-dc1", kStep0, true, Group::international, ProbeKind::tcp);
  endpoint.service = "telegram";
  CHECK(rollup_scope(endpoint) == "");
  auto verdict = make_measurement("telegram", kStep0, false, Group::international, ProbeKind::service);
  verdict.service = "telegram";
  CHECK(rollup_scope(verdict) == "service:telegram");
  auto tp = make_measurement("tp-intl", kStep0, true, Group::international, ProbeKind::throughput);
  CHECK(rollup_scope(tp) == "throughput:international");
}

TEST_CASE("a step aggregates attempts, successes, failures by method, median RTT and throughput", "[store]") {
  RollupBuilder b(milliseconds(60'000), milliseconds(10'000));
  REQUIRE(kStep0 % 60'000 == 0);
  // international: 4 plain probes (3 ok with connect 10, 30, 20 ms; 1 failed by TLS)
  int i = 0;
  for (std::int32_t c : {10'000, 30'000, 20'000}) {
    ++i;
    auto m = make_measurement("i" + std::to_string(i), kStep0 + 1000 * i, true);
    m.phases.connect_us = c;
    b.add(m);
  }
  b.add(make_measurement("i9", kStep0 + 59'999, false));  // method tls, still in the step
  // a service endpoint (not counted) and two telegram verdicts (one dns-blocked)
  auto endpoint = make_measurement("tg-dc1", kStep0, false, Group::international, ProbeKind::tcp);
  endpoint.service = "telegram";
  endpoint.method = Method::tcp_ip;
  b.add(endpoint);
  auto v1 = make_measurement("telegram", kStep0 + 10, false, Group::international, ProbeKind::service);
  v1.service = "telegram";
  v1.method = Method::dns;
  b.add(v1);
  auto v2 = v1;
  v2.ok = true;
  v2.method = Method::none;
  b.add(v2);
  // throughput: two successful downloads of 1 MB in 1 s and 2 s, one failure
  for (std::int32_t total : {1'000'000, 2'000'000}) {
    auto t = make_measurement("tp", kStep0 + 100, true, Group::international, ProbeKind::throughput);
    t.bytes = 1'000'000;
    t.phases.total_us = total;
    t.phases.connect_us = 40'000;
    b.add(t);
  }
  auto tf = make_measurement("tp", kStep0 + 200, false, Group::international, ProbeKind::throughput);
  tf.method = Method::http_failure;
  b.add(tf);
  // the next step begins exactly at kStep0 + 60 s
  b.add(make_measurement("i0", kStep0 + 60'000, true));

  CHECK(b.close_due(kStep0 + 60'000 + 9'999).empty());  // grace not over yet
  auto closed = b.close_due(kStep0 + 70'000);
  REQUIRE(closed.size() == 1);
  const auto& s = closed[0];
  CHECK(s.step_start == kStep0 / 1000);
  CHECK(s.step_s == 60);
  REQUIRE(s.rollups.size() == 3);
  const auto* intl = find(s, "international");
  REQUIRE(intl);
  CHECK(intl->attempts == 4);
  CHECK(intl->successes == 3);
  CHECK(intl->failures_by_method[static_cast<int>(Method::tls)] == 1);
  CHECK(intl->rtt_us == 20'000);
  CHECK(intl->throughput_bps == -1);
  CHECK(intl->step_start == s.step_start);
  const auto* tg = find(s, "service:telegram");
  REQUIRE(tg);
  CHECK(tg->attempts == 2);
  CHECK(tg->successes == 1);
  CHECK(tg->failures_by_method[static_cast<int>(Method::dns)] == 1);
  CHECK(tg->failures_by_method[static_cast<int>(Method::tcp_ip)] == 0);
  const auto* tp = find(s, "throughput:international");
  REQUIRE(tp);
  CHECK(tp->attempts == 3);
  CHECK(tp->successes == 2);
  CHECK(tp->throughput_bps == (8'000'000 + 4'000'000) / 2);
  CHECK(tp->rtt_us == 40'000);
  CHECK(tp->failures_by_method[static_cast<int>(Method::http_failure)] == 1);

  auto rest = b.close_all();
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].step_start == kStep0 / 1000 + 60);
  CHECK(rest[0].rollups.size() == 1);
  CHECK(rest[0].rollups[0].rtt_us == 20'000);
}

TEST_CASE("median RTT of an even count is the mean of the middle two", "[store]") {
  RollupBuilder b(milliseconds(5'000), milliseconds(0));
  for (std::int32_t c : {4'000, 1'000, 3'000, 2'000}) {
    auto m = make_measurement("x", kStep0, true, Group::local);
    m.phases.connect_us = c;
    b.add(m);
  }
  auto closed = b.close_due(kStep0 + 5'000);
  REQUIRE(closed.size() == 1);
  CHECK(closed[0].step_s == 5);
  CHECK(closed[0].rollups[0].rtt_us == 2'500);
}

TEST_CASE("steps with no attempts are gaps, late arrivals are counted and not re-opened", "[store]") {
  RollupBuilder b(milliseconds(60'000), milliseconds(10'000));
  b.add(make_measurement("a", kStep0, true));
  b.add(make_measurement("a", kStep0 + 180'000, true));  // steps +60 and +120 have nothing
  auto closed = b.close_due(kStep0 + 260'000);
  REQUIRE(closed.size() == 2);
  CHECK(closed[0].step_start == kStep0 / 1000);
  CHECK(closed[1].step_start == kStep0 / 1000 + 180);
  b.add(make_measurement("a", kStep0 + 190'000, true));  // its step closed moments ago
  CHECK(b.late() == 1);
  CHECK(b.close_all().empty());
  auto endpoint_only = make_measurement("tg", kStep0 + 300'000, true);
  endpoint_only.service = "telegram";
  b.add(endpoint_only);  // counts in no scope: nothing to close
  CHECK(b.close_due(kStep0 + 400'000).empty());
}

TEST_CASE("a wall clock stepped back an hour re-opens the earlier steps instead of dropping", "[store]") {
  RollupBuilder b(milliseconds(60'000), milliseconds(10'000));
  b.add(make_measurement("a", kStep0 + 3'600'000, true));
  REQUIRE(b.close_due(kStep0 + 3'680'000).size() == 1);
  b.add(make_measurement("a", kStep0, true));  // the clock jumped back
  CHECK(b.late() == 0);
  auto closed = b.close_due(kStep0 + 80'000);
  REQUIRE(closed.size() == 1);
  CHECK(closed[0].step_start == kStep0 / 1000);
}

TEST_CASE("a step that is not a whole number of seconds is rejected", "[store]") {
  CHECK_THROWS_AS(RollupBuilder(milliseconds(1500), milliseconds(0)), std::invalid_argument);
  CHECK_THROWS_AS(RollupBuilder(milliseconds(0), milliseconds(0)), std::invalid_argument);
}
