// ProbeSeries: the compact per-probe table serializes like prometheus-cpp families would.
#include "metrics/probe_series.hpp"

#include <prometheus/text_serializer.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <sstream>
#include <thread>

using namespace netvigil;

namespace {

std::string text(const ProbeSeries& t) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, t.Collect());
  return out.str();
}

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("probe table: registration, observations and the four families", "[metrics]") {
  ProbeSeries t;
  CHECK(t.Collect().empty());  // no probe, no family (as prometheus-cpp's empty families)
  t.sync({{"gw", ProbeKind::tcp, Group::local, ""},
          {"tg-443", ProbeKind::tcp, Group::international, "telegram"}});
  std::string s = text(t);
  CHECK(has_line(
      s, "netvigil_probe_success{group=\"local\",kind=\"tcp\",probe=\"gw\",service=\"\"} 0"));
  CHECK(has_line(s,
                 "netvigil_probe_runs_total{group=\"international\",kind=\"tcp\",probe=\"tg-443\","
                 "service=\"telegram\"} 0"));
  CHECK(has_line(s, "# TYPE netvigil_probe_runs_total counter"));
  CHECK(s.find("netvigil_probe_failures_total") == std::string::npos);
  CHECK(s.find("netvigil_tls_cert_expiry_timestamp_seconds") == std::string::npos);

  t.observe("gw", ProbeKind::tcp, Group::local, "", true, Failure::none, 0);
  for (int i = 0; i < 3; ++i)
    t.observe("tg-443", ProbeKind::tcp, Group::international, "telegram", false,
              Failure::connection_reset, 0);
  t.observe("tg-443", ProbeKind::tcp, Group::international, "telegram", false,
            Failure::generic_timeout_error, 1'800'000'000);
  s = text(t);
  CHECK(has_line(
      s, "netvigil_probe_success{group=\"local\",kind=\"tcp\",probe=\"gw\",service=\"\"} 1"));
  CHECK(has_line(s,
                 "netvigil_probe_runs_total{group=\"international\",kind=\"tcp\",probe=\"tg-443\","
                 "service=\"telegram\"} 4"));
  CHECK(has_line(s,
                 "netvigil_probe_failures_total{failure=\"connection_reset\",probe=\"tg-443\"} 3"));
  CHECK(has_line(
      s, "netvigil_probe_failures_total{failure=\"generic_timeout_error\",probe=\"tg-443\"} 1"));
  CHECK(has_line(s, "netvigil_tls_cert_expiry_timestamp_seconds{probe=\"tg-443\"} 1800000000"));
  CHECK(s.find("failure=\"connection_reset\",probe=\"gw\"") == std::string::npos);
  CHECK(t.size() == 2);
}

TEST_CASE("probe table: sync keeps counters, resets changed labels, drops the rest", "[metrics]") {
  ProbeSeries t;
  t.sync({{"a", ProbeKind::dns, Group::isp, ""},
          {"b", ProbeKind::http, Group::domestic, ""},
          {"c", ProbeKind::tls, Group::international, ""}});
  for (const char* id : {"a", "b", "c"})
    t.observe(id, ProbeKind::dns, Group::isp, "", false, Failure::dns_nxdomain_error, 0);
  t.sync({{"a", ProbeKind::dns, Group::isp, ""}, {"b", ProbeKind::http, Group::international, ""}});
  const std::string s = text(t);
  CHECK(has_line(
      s, "netvigil_probe_runs_total{group=\"isp\",kind=\"dns\",probe=\"a\",service=\"\"} 1"));
  CHECK(has_line(s, "netvigil_probe_failures_total{failure=\"dns_nxdomain_error\",probe=\"a\"} 1"));
  // b moved group: new series from zero, its old failures gone with them.
  CHECK(has_line(s,
                 "netvigil_probe_runs_total{group=\"international\",kind=\"http\",probe=\"b\","
                 "service=\"\"} 0"));
  CHECK(s.find("probe=\"b\"} 1") == std::string::npos);
  CHECK(s.find("probe=\"c\"") == std::string::npos);
  CHECK(t.size() == 2);
}

TEST_CASE("probe table: an unknown id is added once from its observation", "[metrics]") {
  ProbeSeries t;
  t.observe("late", ProbeKind::service, Group::international, "signal", true, Failure::none, 0);
  t.observe("late", ProbeKind::service, Group::international, "signal", true, Failure::none, 0);
  CHECK(t.size() == 1);
  CHECK(has_line(text(t),
                 "netvigil_probe_runs_total{group=\"international\",kind=\"service\",probe="
                 "\"late\",service=\"signal\"} 2"));
}

TEST_CASE("probe table: scrapes while the loop observes see whole counts", "[metrics]") {
  ProbeSeries t;
  std::vector<ProbeSeries::Labels> probes;
  for (int i = 0; i < 200; ++i)
    probes.push_back({"p" + std::to_string(i), ProbeKind::tcp, Group::domestic, ""});
  t.sync(probes);
  std::atomic<bool> done{false};
  std::thread scraper([&] {
    for (int i = 0; i < 200 && !done.load(); ++i) {
      const auto families = t.Collect();
      REQUIRE(families.size() >= 2);
      CHECK(families[0].metric.size() == 200);
    }
  });
  for (int round = 0; round < 50; ++round)
    for (const auto& p : probes)
      t.observe(p.id, p.kind, p.group, "", false, Failure::connection_refused, 0);
  done = true;
  scraper.join();
  const std::string s = text(t);
  CHECK(has_line(
      s,
      "netvigil_probe_runs_total{group=\"domestic\",kind=\"tcp\",probe=\"p199\",service=\"\"} 50"));
  CHECK(
      has_line(s, "netvigil_probe_failures_total{failure=\"connection_refused\",probe=\"p7\"} 50"));
}
