// Metrics: series names, labels, reuse, and no address or free text in any label value.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <regex>
#include <set>

#include "http_get.hpp"
#include "sample_metrics.hpp"

using namespace netvigil;
using netvigil::testing::populate;
using netvigil::testing::probe_spec;
using netvigil::testing::sample_vantage;
using netvigil::testing::scrape;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

std::size_t count_lines_starting(const std::string& text, const std::string& prefix) {
  std::size_t n = 0;
  std::size_t pos = 0;
  while ((pos = ("\n" + text).find("\n" + prefix, pos)) != std::string::npos) {
    ++n;
    ++pos;
  }
  return n;
}

// Every label value in the exposition, e.g. {probe="x",failure="y"} → x, y.
std::vector<std::string> label_values(const std::string& text) {
  std::vector<std::string> out;
  static const std::regex kv("[a-z_]+=\"((?:[^\"\\\\]|\\\\.)*)\"");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kv); it != std::sregex_iterator();
       ++it)
    out.push_back((*it)[1]);
  return out;
}

}  // namespace

TEST_CASE("construction creates build, vantage, state and health series", "[metrics]") {
  Metrics m(sample_vantage(), "1.2.3");
  const std::string s = scrape(m);
  CHECK(has_line(s, "netvigil_build_info{version=\"1.2.3\"} 1"));
  CHECK(s.find("netvigil_vantage_info{") != std::string::npos);
  CHECK(s.find("vantage=\"tehran-home\"") != std::string::npos);
  CHECK(s.find("country=\"IR\"") != std::string::npos);
  CHECK(s.find("asn=\"AS58224\"") != std::string::npos);
  CHECK(s.find("network_type=\"broadband\"") != std::string::npos);
  CHECK(has_line(s, "netvigil_state{state=\"warming_up\"} 1"));
  for (const char* st : {"normal", "degraded", "intl_blackout", "full_blackout", "local_outage"})
    CHECK(has_line(s, std::string("netvigil_state{state=\"") + st + "\"} 0"));
  for (const char* h :
       {"netvigil_store_write_errors_total 0", "netvigil_store_buffered_measurements 0",
        "netvigil_store_busy_retries_total 0",
        "netvigil_measurements_dropped_total 0", "netvigil_scheduler_lag_seconds 0",
        "netvigil_scheduler_skipped_total 0", "netvigil_probes_in_flight 0"})
    CHECK(has_line(s, h));
  // Never written yet: no last-write series rather than a misleading 1970.
  CHECK(s.find("netvigil_store_last_write_timestamp_seconds ") == std::string::npos);
  // The phase histograms exist for every kind and phase from the start.
  CHECK(s.find("netvigil_probe_duration_seconds_bucket{kind=\"dns\",phase=\"resolve\",le=\"0.001\"} 0") !=
        std::string::npos);
  CHECK(s.find("netvigil_probe_duration_seconds_count{kind=\"http\",phase=\"first_byte\"} 0") !=
        std::string::npos);
}

TEST_CASE("observe updates success, runs, failures, durations and certificate expiry", "[metrics]") {
  Metrics m(sample_vantage());
  populate(m);
  const std::string s = scrape(m);
  CHECK(has_line(s, "netvigil_probe_success{group=\"international\",kind=\"tls\",probe=\"google-tls\",service=\"\"} 1"));
  CHECK(has_line(s, "netvigil_probe_success{group=\"international\",kind=\"tcp\",probe=\"telegram-dc1-443\",service=\"telegram\"} 0"));
  CHECK(has_line(s, "netvigil_probe_runs_total{group=\"international\",kind=\"tls\",probe=\"google-tls\",service=\"\"} 1"));
  // Registered but not yet run: present with 0 runs.
  CHECK(has_line(s, "netvigil_probe_runs_total{group=\"local\",kind=\"tcp\",probe=\"gateway\",service=\"\"} 0"));
  CHECK(has_line(s, "netvigil_probe_failures_total{failure=\"connection_reset\",probe=\"telegram-dc1-443\"} 1"));
  CHECK(has_line(s, "netvigil_probe_duration_seconds_count{kind=\"tls\",phase=\"tls\"} 1"));
  CHECK(has_line(s, "netvigil_probe_duration_seconds_sum{kind=\"tls\",phase=\"total\"} 0.125"));
  CHECK(has_line(s, "netvigil_probe_duration_seconds_count{kind=\"tls\",phase=\"first_byte\"} 0"));
  CHECK(has_line(s, "netvigil_probe_duration_seconds_bucket{kind=\"tcp\",phase=\"connect\",le=\"0.025\"} 0"));
  CHECK(has_line(s, "netvigil_probe_duration_seconds_bucket{kind=\"tcp\",phase=\"connect\",le=\"0.05\"} 1"));
  // 2027-01-31T12:00:00Z
  CHECK(has_line(s, "netvigil_tls_cert_expiry_timestamp_seconds{probe=\"google-tls\"} 1801396800"));
  CHECK(has_line(s, "netvigil_group_success_ratio{group=\"international\"} 0.2"));
  CHECK(has_line(s, "netvigil_connectivity_index_percent{group=\"international\"} 21.5"));
  CHECK(has_line(s, "netvigil_state{state=\"intl_blackout\"} 1"));
  CHECK(has_line(s, "netvigil_state{state=\"warming_up\"} 0"));
  CHECK(has_line(s, "netvigil_service_blocked{method=\"tcp_ip\",service=\"telegram\"} 1"));
  CHECK(has_line(s, "netvigil_service_blocked{method=\"dns\",service=\"telegram\"} 0"));
  CHECK(has_line(s, "netvigil_event_active{scope=\"international\",service=\"\",type=\"intl_blackout\"} 1"));
  CHECK(has_line(s, "netvigil_event_start_timestamp_seconds{scope=\"international\",service=\"\",type=\"intl_blackout\"} 1790000000"));
  CHECK(has_line(s, "netvigil_store_write_errors_total 1"));
  CHECK(has_line(s, "netvigil_measurements_dropped_total 2"));
  CHECK(has_line(s, "netvigil_store_buffered_measurements 3"));
  CHECK(has_line(s, "netvigil_store_busy_retries_total 4"));
  CHECK(has_line(s, "netvigil_store_last_write_timestamp_seconds 1790000100"));
  CHECK(has_line(s, "netvigil_scheduler_lag_seconds 0.004"));
  CHECK(has_line(s, "netvigil_probes_in_flight 3"));
  CHECK(has_line(s, "netvigil_scheduler_skipped_total 1"));
}

TEST_CASE("series are reused: repeated observations add no series", "[metrics]") {
  Metrics m(sample_vantage());
  populate(m);
  const std::string first = scrape(m);
  const auto before = std::count(first.begin(), first.end(), '\n');
  Measurement bad;
  bad.probe_id = "telegram-dc1-443";
  bad.kind = ProbeKind::tcp;
  bad.group = Group::international;
  bad.service = "telegram";
  bad.failure = {Failure::connection_reset, Operation::connect, ""};
  for (int i = 0; i < 50; ++i) m.observe(bad);
  m.set_state("normal");
  m.set_service_blocked("telegram", Method::none);
  m.set_event("intl_blackout", "international", "", false, 1'790'000'000);
  m.set_store_health({1, 2, 0, 1'790'000'200, 4});
  const std::string s = scrape(m);
  CHECK(std::count(s.begin(), s.end(), '\n') == before);
  CHECK(has_line(s, "netvigil_probe_failures_total{failure=\"connection_reset\",probe=\"telegram-dc1-443\"} 51"));
  CHECK(has_line(s, "netvigil_service_blocked{method=\"tcp_ip\",service=\"telegram\"} 0"));
  CHECK(has_line(s, "netvigil_event_active{scope=\"international\",service=\"\",type=\"intl_blackout\"} 0"));
  // Totals did not grow: the counters did not move.
  CHECK(has_line(s, "netvigil_store_write_errors_total 1"));
  CHECK(has_line(s, "netvigil_measurements_dropped_total 2"));
  CHECK(has_line(s, "netvigil_store_busy_retries_total 4"));
}

TEST_CASE("no label value holds an address or free text", "[metrics]") {
  Metrics m(sample_vantage());
  populate(m);
  Measurement weird;
  weird.probe_id = "google-tls";
  weird.kind = ProbeKind::tls;
  weird.group = Group::international;
  weird.failure = unknown_failure(Operation::tls_handshake,
                                  "handshake with 203.0.113.7:443 from 192.0.2.44 failed: "
                                  "alert 80 via 2001:db8::1");
  weird.evidence = {{"address", "203.0.113.7"}, {"local", "192.0.2.44"}};
  m.observe(weird);
  weird.failure = {Failure::unknown_failure, Operation::read, "raw text 198.51.100.9 ?q=secret"};
  m.observe(weird);
  const std::string s = scrape(m);
  CHECK(has_line(s, "netvigil_probe_failures_total{failure=\"unknown_failure\",probe=\"google-tls\"} 2"));
  for (const char* leak : {"203.0.113", "192.0.2.44", "2001:db8", "198.51.100", "handshake",
                           "scrubbed", "?q=", "secret", "alert 80"})
    CHECK(s.find(leak) == std::string::npos);
  const std::regex allowed("[A-Za-z0-9_.:+-]*");  // "+Inf" is a bucket bound
  const std::regex ipv4("[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+");
  for (const auto& v : label_values(s)) {
    INFO(v);
    CHECK(std::regex_match(v, allowed));
    CHECK_FALSE(std::regex_search(v, ipv4));
  }
}

TEST_CASE("register_probes removes series of probes no longer configured", "[metrics]") {
  Metrics m(sample_vantage());
  populate(m);
  m.register_probes({probe_spec("google-tls", ProbeKind::tls, Group::international),
                     probe_spec("aparat-https", ProbeKind::http, Group::international)},
                    {});
  const std::string s = scrape(m);
  CHECK(s.find("probe=\"telegram-dc1-443\"") == std::string::npos);
  CHECK(s.find("probe=\"gateway\"") == std::string::npos);
  CHECK(s.find("probe=\"telegram\"") == std::string::npos);
  CHECK(s.find("netvigil_service_blocked{") == std::string::npos);
  // Kept probes keep their counters; a changed group moves the probe to new series.
  CHECK(has_line(s, "netvigil_probe_runs_total{group=\"international\",kind=\"tls\",probe=\"google-tls\",service=\"\"} 1"));
  CHECK(has_line(s, "netvigil_probe_runs_total{group=\"international\",kind=\"http\",probe=\"aparat-https\",service=\"\"} 0"));
  CHECK(s.find("group=\"domestic\",kind=\"http\",probe=\"aparat-https\"") == std::string::npos);
}

TEST_CASE("an unregistered probe is registered from its measurement once", "[metrics]") {
  Metrics m(sample_vantage());
  Measurement x;
  x.probe_id = "late-probe";
  x.kind = ProbeKind::dns;
  x.group = Group::isp;
  x.ok = true;
  m.observe(x);
  m.observe(x);
  const std::string s = scrape(m);
  CHECK(has_line(s, "netvigil_probe_runs_total{group=\"isp\",kind=\"dns\",probe=\"late-probe\",service=\"\"} 2"));
  CHECK(count_lines_starting(s, "netvigil_probe_success{") == 1);
}

TEST_CASE("set_state rejects an unknown state", "[metrics]") {
  Metrics m(sample_vantage());
  CHECK(m.set_state("full_blackout"));
  CHECK_FALSE(m.set_state("bogus"));
  const std::string s = scrape(m);
  CHECK(s.find("netvigil_state{state=\"bogus\"}") == std::string::npos);
  CHECK(has_line(s, "netvigil_state{state=\"full_blackout\"} 0"));
}

TEST_CASE("certificate notAfter formats", "[metrics]") {
  CHECK(cert_not_after_unix(nlohmann::json(1801396800)) == 1801396800);
  CHECK(cert_not_after_unix(nlohmann::json("2027-01-31T12:00:00Z")) == 1801396800);
  CHECK(cert_not_after_unix(nlohmann::json("2027-01-31 12:00:00")) == 1801396800);
  CHECK(cert_not_after_unix(nlohmann::json("Jan 31 12:00:00 2027 GMT")) == 1801396800);
  CHECK(cert_not_after_unix(nlohmann::json("1970-01-01T00:00:00Z")) == 0);
  CHECK(cert_not_after_unix(nlohmann::json("garbage")) == 0);
  CHECK(cert_not_after_unix(nlohmann::json::object()) == 0);
}

TEST_CASE("promtool check metrics is clean on a populated registry", "[metrics][promtool]") {
  const std::string promtool = netvigil::testing::promtool();
  INFO("promtool missing: apt-get install prometheus");
  REQUIRE_FALSE(promtool.empty());
  Metrics m(sample_vantage());
  populate(m);
  char path[] = "/tmp/netvigil-scrape-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  const std::string s = scrape(m);
  REQUIRE(::write(fd, s.data(), s.size()) == static_cast<ssize_t>(s.size()));
  ::close(fd);
  std::string out;
  const int rc = netvigil::testing::run_command(promtool + " check metrics < " + path, out);
  std::remove(path);
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.empty());
}

TEST_CASE("config reload status: 1 from start, 0 after a refused reload, 1 after a good one", "[metrics]") {
  Metrics m(sample_vantage());
  CHECK(has_line(scrape(m), "netvigil_config_reload_success 1"));
  m.set_config_reload(false);
  CHECK(has_line(scrape(m), "netvigil_config_reload_success 0"));
  m.set_config_reload(true);
  CHECK(has_line(scrape(m), "netvigil_config_reload_success 1"));
}
