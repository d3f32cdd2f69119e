// OONI JSONL export: every df-000 key, sub-format keys, and no vantage address anywhere.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "export/ooni_export.hpp"
#include "export_fixture.hpp"

using namespace netvigil;
using nlohmann::json;

namespace {

constexpr const char* kVantageIp = "192.0.2.10";  // the lab's client address, echoed by servers
constexpr std::int64_t kT = 1781361120123;        // 2026-06-13T14:32:00.123Z

std::vector<RawMeasurementRow> rows() {
  std::vector<RawMeasurementRow> out;
  RawMeasurementRow dns;
  dns.probe = "dns-telegram-isp";
  dns.kind = "dns";
  dns.group = "international";
  dns.service = "telegram";
  dns.t_ms = kT;
  dns.ok = false;
  dns.failure = "dns_bogon_error";
  dns.failed_operation = "resolve";
  dns.phases.total_us = 12'345;
  dns.evidence = json::parse(R"({"queries":[
      {"resolver":"isp","resolver_address":"198.51.100.53:53","transport":"udp","qtype":"A",
       "hostname":"web.telegram.org","rcode":"NOERROR","answers":["10.10.34.35"],"failure":"dns_bogon_error","duration":12.1},
      {"resolver":"quad9","resolver_address":"203.0.113.9","transport":"tcp","qtype":28,
       "name":"web.telegram.org","answers":[{"type":"AAAA","address":"2001:db8::149"}],"failure":""}]})");
  out.push_back(dns);

  RawMeasurementRow tcp;
  tcp.probe = "telegram-dc2-443";
  tcp.kind = "tcp";
  tcp.group = "international";
  tcp.t_ms = kT + 1000;
  tcp.failure = std::string("unknown_failure: bind ") + kVantageIp + ":40112 -> 203.0.113.51 refused";
  tcp.failed_operation = "connect";
  tcp.evidence = json::parse(R"({"connects":[
      {"address":"203.0.113.51","port":443,"family":"inet","failure":"connection_reset","connect_us":803},
      {"address":"2001:db8::51","port":443,"family":"inet6","failure":"","connect_us":1200}]})");
  out.push_back(tcp);

  RawMeasurementRow tls;
  tls.probe = "signal-chat-tls";
  tls.kind = "tls";
  tls.group = "international";
  tls.ok = true;
  tls.t_ms = kT + 2000;
  tls.evidence = json::parse(R"({"address":"203.0.113.80:443","sni":"chat.signal.org","tls_version":"TLSv1.3",
      "cipher":"TLS_AES_128_GCM_SHA256","cert_not_after":"2027-01-01T00:00:00Z","failure":""})");
  out.push_back(tls);

  RawMeasurementRow http;
  http.probe = "aparat-home";
  http.kind = "http";
  http.group = "domestic";
  http.ok = false;
  http.t_ms = kT + 3000;
  http.status = 403;
  http.failure = "unknown_failure: block page";
  http.failed_operation = "http_round_trip";
  http.evidence = json{{"url", "http://198.51.100.35/"},
                       {"method", "GET"},
                       {"status", 403},
                       {"body_sha256", "ab12"},
                       {"title", std::string("You are ") + kVantageIp},
                       {"headers", {{"X-Client-IP", kVantageIp}, {"Date", "Sat, 13 Jun 2026 14:32:03 GMT"}}},
                       {"fingerprint", "ir-peyvandha"},
                       {"failure", ""}};
  out.push_back(http);

  RawMeasurementRow bare;  // no evidence at all: tolerated
  bare.probe = "throughput-intl";
  bare.kind = "throughput";
  bare.group = "international";
  bare.t_ms = kT + 4000;
  bare.ok = true;
  out.push_back(bare);
  return out;
}

}  // namespace

TEST_CASE("OONI JSONL lines carry every df-000 key and parse as JSON", "[export]") {
  auto meta = test::fixture_meta(1781359200, 1781359200 + 86400);
  auto input = rows();
  std::ostringstream os;
  write_ooni_jsonl(meta, source_of(input), os);
  std::istringstream in(os.str());
  std::string line;
  std::vector<json> lines;
  while (std::getline(in, line)) lines.push_back(json::parse(line));
  REQUIRE(lines.size() == input.size());

  const std::vector<std::string> keys{
      "annotations", "data_format_version", "extensions", "id", "input", "measurement_start_time",
      "probe_asn", "probe_cc", "probe_ip", "probe_network_name", "report_id", "resolver_ip",
      "resolver_asn", "software_name", "software_version", "test_name", "test_version",
      "test_keys", "test_runtime", "test_start_time"};
  for (const auto& m : lines) {
    for (const auto& k : keys) {
      INFO(k);
      CHECK(m.contains(k));
    }
    CHECK(m["data_format_version"] == "0.2.0");
    CHECK(m["probe_ip"] == "127.0.0.1");
    CHECK(m["probe_cc"] == "IR");
    CHECK(m["probe_asn"] == "AS58224");
    CHECK(m["software_name"] == "netvigil");
    CHECK(m["id"].get<std::string>().size() == 36);
    CHECK(m["id"].get<std::string>()[14] == '4');
    CHECK(m["report_id"].get<std::string>().rfind("20260613T140000Z_urlgetter_IR_58224_n1_", 0) == 0);
    for (const char* k : {"queries", "tcp_connect", "tls_handshakes", "requests"}) CHECK(m["test_keys"][k].is_array());
  }
  CHECK(lines[0]["measurement_start_time"] == "2026-06-13 14:32:00");
  CHECK(lines[0]["input"] == "dnslookup://web.telegram.org");
  CHECK(lines[0]["test_keys"]["failure"] == "dns_bogon_error");
  CHECK(lines[0]["test_keys"]["failed_operation"] == "resolve");
  CHECK(lines[0]["test_runtime"].get<double>() == Approx(0.012345));
  const auto& q = lines[0]["test_keys"]["queries"];
  REQUIRE(q.size() == 2);
  CHECK(q[0]["engine"] == "udp");
  CHECK(q[0]["hostname"] == "web.telegram.org");
  CHECK(q[0]["query_type"] == "A");
  CHECK(q[0]["resolver_address"] == "198.51.100.53:53");
  CHECK(q[0]["answers"][0] == json({{"answer_type", "A"}, {"ipv4", "10.10.34.35"}, {"ttl", nullptr}}));
  CHECK(q[0]["failure"] == "dns_bogon_error");
  CHECK(q[0]["rcode"] == "NOERROR");
  CHECK(q[1]["query_type"] == "AAAA");
  CHECK(q[1]["answers"][0]["ipv6"] == "2001:db8::149");
  CHECK(q[1]["failure"].is_null());

  const auto& tc = lines[1]["test_keys"]["tcp_connect"];
  REQUIRE(tc.size() == 2);
  CHECK(tc[0]["ip"] == "203.0.113.51");
  CHECK(tc[0]["port"] == 443);
  CHECK(tc[0]["status"]["success"] == false);
  CHECK(tc[0]["status"]["failure"] == "connection_reset");
  CHECK(tc[1]["status"]["success"] == true);
  CHECK(lines[1]["input"] == "tcpconnect://203.0.113.51:443");
  // The target address stays in the free text; the vantage's own does not.
  CHECK(lines[1]["test_keys"]["failure"] ==
        "unknown_failure: bind [scrubbed]:40112 -> 203.0.113.51 refused");

  const auto& th = lines[2]["test_keys"]["tls_handshakes"];
  REQUIRE(th.size() == 1);
  CHECK(th[0]["server_name"] == "chat.signal.org");
  CHECK(th[0]["tls_version"] == "TLSv1.3");
  CHECK(th[0]["cipher_suite"] == "TLS_AES_128_GCM_SHA256");
  CHECK(th[0]["failure"].is_null());
  CHECK(lines[2]["test_keys"]["failure"].is_null());

  const auto& rq = lines[3]["test_keys"]["requests"];
  REQUIRE(rq.size() == 1);
  CHECK(rq[0]["request"]["url"] == "http://198.51.100.35/");
  CHECK(rq[0]["response"]["code"] == 403);
  CHECK(rq[0]["response"]["headers"]["X-Client-IP"] == "[scrubbed]");
  CHECK(rq[0]["response"]["headers"]["Date"] == "Sat, 13 Jun 2026 14:32:03 GMT");
  CHECK(rq[0]["response"]["x_title"] == "You are [scrubbed]");
  CHECK(lines[3]["input"] == "http://198.51.100.35/");
  CHECK(lines[4]["input"].is_null());

  CHECK(os.str().find(kVantageIp) == std::string::npos);
}

TEST_CASE("OONI ids are deterministic per measurement and distinct across measurements", "[export]") {
  auto meta = test::fixture_meta(1781359200, 1781359200 + 86400);
  auto input = rows();
  std::string rid = ooni_report_id(meta);
  auto a = ooni_measurement(meta, input[0], rid);
  auto b = ooni_measurement(meta, input[0], rid);
  auto c = ooni_measurement(meta, input[1], rid);
  CHECK(a["id"] == b["id"]);
  CHECK(a["id"] != c["id"]);
}

TEST_CASE("OONI export removes the vantage's own addresses even from structured fields", "[export]") {
  auto meta = test::fixture_meta(1781359200, 1781359200 + 86400);
  meta.own_addresses = {"198.51.100.53", "2001:db8::149"};  // pretend the vantage had these
  auto input = rows();
  std::ostringstream os;
  write_ooni_jsonl(meta, source_of(input), os);
  CHECK(os.str().find("198.51.100.53") == std::string::npos);
  CHECK(os.str().find("2001:db8::149") == std::string::npos);
  CHECK(os.str().find("[scrubbed]:53") != std::string::npos);
}
