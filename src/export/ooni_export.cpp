// OONI df-000 measurements built from netvigil's raw rows, one JSON object per line.
#include "export/ooni_export.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include "export/text_format.hpp"

namespace netvigil {

namespace {

using nlohmann::json;

// OpenSSL 3's implicit fetch (EVP_sha256()) costs tens of µs per call; fetch once.
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, sha256_md(), nullptr);
  return to_hex(md, n);
}

std::string uuid4_from(const std::string& seed) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(seed.data(), seed.size(), md, &n, sha256_md(), nullptr);
  md[6] = static_cast<unsigned char>((md[6] & 0x0f) | 0x40);  // version 4
  md[8] = static_cast<unsigned char>((md[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string h = to_hex(md, 16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

std::string str(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

const json* num(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return nullptr;
  return &*it;
}

const json& arr(const json& j, const char* key) {
  static const json kEmpty = json::array();
  if (!j.is_object()) return kEmpty;
  auto it = j.find(key);
  return (it != j.end() && it->is_array()) ? *it : kEmpty;
}

// Seconds from a duration field in any of the units probes may have written.
json seconds_of(const json& j) {
  if (const json* v = num(j, "duration_us")) return v->get<double>() / 1e6;
  if (const json* v = num(j, "connect_us")) return v->get<double>() / 1e6;
  if (const json* v = num(j, "duration_ms")) return v->get<double>() / 1e3;
  if (const json* v = num(j, "duration")) return v->get<double>() / 1e3;  // milliseconds
  return nullptr;
}

// The host part of "1.2.3.4:53", "[2001:db8::1]:53", "2001:db8::1" or "1.2.3.4".
std::string host_of(std::string a) {
  if (!a.empty() && a[0] == '[') {
    auto e = a.find(']');
    return e == std::string::npos ? a.substr(1) : a.substr(1, e - 1);
  }
  if (std::count(a.begin(), a.end(), ':') == 1) return a.substr(0, a.find(':'));
  return a;
}

std::string answer_address(const json& a) {
  if (a.is_string()) return a.get<std::string>();
  for (const char* k : {"ipv4", "ipv6", "address", "ip", "value", "data"})
    if (auto s = str(a, k); !s.empty()) return s;
  return {};
}

// Every address that is a target of this measurement (kept in free text; all others scrubbed).
std::vector<std::string> target_addresses(const json& ev) {
  std::vector<std::string> out;
  auto add = [&](const std::string& s) {
    if (!s.empty()) out.push_back(host_of(s));
  };
  for (const auto& q : arr(ev, "queries")) {
    add(str(q, "resolver_address"));
    for (const auto& a : arr(q, "answers")) add(answer_address(a));
  }
  for (const auto& c : arr(ev, "connects")) add(str(c, "address"));
  add(str(ev, "address"));
  if (ev.is_object() && ev.contains("tls")) add(str(ev["tls"], "address"));
  for (const auto& a : arr(ev, "addresses"))
    if (a.is_string()) add(a.get<std::string>());
  return out;
}

json failure_of(const std::string& f, const std::vector<std::string>& keep) {
  if (f.empty()) return nullptr;
  return scrub_except(f, keep);
}

json query_type_of(const json& q) {
  auto it = q.find("qtype");
  if (it == q.end()) it = q.find("query_type");
  if (it == q.end()) return nullptr;
  if (it->is_string()) return *it;
  if (it->is_number_integer()) {
    switch (it->get<int>()) {
      case 1: return "A";
      case 28: return "AAAA";
      case 5: return "CNAME";
      default: return std::to_string(it->get<int>());
    }
  }
  return nullptr;
}

json answers_of(const json& q) {
  json out = json::array();
  for (const auto& a : arr(q, "answers")) {
    std::string addr = answer_address(a);
    std::string type = str(a, "type");
    if (addr.empty()) continue;
    bool v6 = addr.find(':') != std::string::npos;
    bool ip = v6 || std::all_of(addr.begin(), addr.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; });
    if (!ip) out.push_back({{"answer_type", type.empty() ? "CNAME" : type}, {"hostname", addr}, {"ttl", nullptr}});
    else if (v6) out.push_back({{"answer_type", "AAAA"}, {"ipv6", addr}, {"ttl", nullptr}});
    else out.push_back({{"answer_type", "A"}, {"ipv4", addr}, {"ttl", nullptr}});
  }
  return out;
}

std::string hostname_of(const json& ev, const json& q) {
  for (const json* j : {&q, &ev})
    for (const char* k : {"hostname", "name", "host", "qname"})
      if (auto s = str(*j, k); !s.empty()) return s;
  return {};
}

json queries_of(const json& ev, const std::vector<std::string>& keep) {
  json out = json::array();
  for (const auto& q : arr(ev, "queries")) {
    std::string transport = str(q, "transport");
    json entry = {{"engine", transport.empty() ? "udp" : transport},
                  {"resolver_hostname", nullptr},
                  {"resolver_address", str(q, "resolver_address")},
                  {"hostname", hostname_of(ev, q)},
                  {"query_type", query_type_of(q)},
                  {"answers", answers_of(q)},
                  {"failure", failure_of(str(q, "failure"), keep)},
                  {"t", seconds_of(q)},
                  {"x_implementation", "c-ares"},
                  {"x_resolver_name", str(q, "resolver")}};
    if (auto it = q.find("rcode"); it != q.end()) entry["rcode"] = *it;
    out.push_back(std::move(entry));
  }
  return out;
}

json tcp_connect_of(const json& ev, const std::vector<std::string>& keep) {
  json out = json::array();
  for (const auto& c : arr(ev, "connects")) {
    std::string failure = str(c, "failure");
    json port = nullptr;
    if (const json* p = num(c, "port")) port = *p;
    out.push_back({{"ip", host_of(str(c, "address"))},
                   {"port", port},
                   {"status", {{"success", failure.empty()}, {"failure", failure_of(failure, keep)}}},
                   {"t", seconds_of(c)}});
  }
  return out;
}

json tls_handshakes_of(const json& ev, const std::vector<std::string>& keep) {
  json out = json::array();
  const json& t = (ev.is_object() && ev.contains("tls") && ev["tls"].is_object()) ? ev["tls"] : ev;
  if (str(t, "sni").empty() && str(t, "tls_version").empty() && str(t, "cipher").empty()) return out;
  out.push_back({{"address", str(t, "address")},
                 {"server_name", str(t, "sni")},
                 {"tls_version", str(t, "tls_version")},
                 {"cipher_suite", str(t, "cipher")},
                 {"negotiated_protocol", ""},
                 {"no_tls_verify", false},
                 {"peer_certificates", json::array()},
                 {"failure", failure_of(str(t, "failure"), keep)},
                 {"t", seconds_of(t)},
                 {"x_cert_not_after", str(t, "cert_not_after")}});
  return out;
}

json headers_of(const json& h, const std::vector<std::string>& keep) {
  json out = json::object();
  auto put = [&](const std::string& k, const json& v) {
    if (!k.empty() && v.is_string()) out[k] = scrub_except(v.get<std::string>(), keep);
  };
  if (h.is_object()) {
    for (auto it = h.begin(); it != h.end(); ++it) put(it.key(), it.value());
  } else if (h.is_array()) {
    for (const auto& e : h) {
      if (e.is_array() && e.size() == 2 && e[0].is_string()) put(e[0].get<std::string>(), e[1]);
      else if (e.is_object()) put(str(e, "name"), e.contains("value") ? e["value"] : json());
    }
  }
  return out;
}

json requests_of(const json& ev, std::int32_t status, const std::vector<std::string>& keep) {
  json out = json::array();
  std::string url = str(ev, "url");
  if (url.empty()) return out;
  std::string method = str(ev, "method");
  json code = nullptr;
  if (const json* s = num(ev, "status")) code = *s;
  else if (status > 0) code = status;
  json response = {{"code", code},
                   {"headers", headers_of(ev.value("headers", json()), keep)},
                   {"body", nullptr},
                   {"x_body_sha256", str(ev, "body_sha256")},
                   {"x_title", scrub_except(str(ev, "title"), keep)}};
  if (ev.contains("fingerprint") && !ev["fingerprint"].is_null())
    response["x_blockpage_fingerprint"] = ev["fingerprint"];
  out.push_back({{"request",
                  {{"url", url},
                   {"method", method.empty() ? "GET" : method},
                   {"headers", headers_of(ev.value("request_headers", json()), keep)},
                   {"body", ""}}},
                 {"response", std::move(response)},
                 {"failure", failure_of(str(ev, "failure"), keep)},
                 {"t", seconds_of(ev)}});
  return out;
}

std::string input_of(const RawMeasurementRow& row) {
  const json& ev = row.evidence;
  if (auto url = str(ev, "url"); !url.empty()) return url;
  if (row.kind == "dns") {
    for (const auto& q : arr(ev, "queries"))
      if (auto h = hostname_of(ev, q); !h.empty()) return "dnslookup://" + h;
    if (auto h = hostname_of(ev, json::object()); !h.empty()) return "dnslookup://" + h;
  }
  if (row.kind == "tls" && !str(ev, "address").empty()) return "tlshandshake://" + str(ev, "address");
  for (const auto& c : arr(ev, "connects")) {
    std::string a = str(c, "address");
    if (a.empty()) continue;
    std::string host = a.find(':') != std::string::npos ? "[" + a + "]" : a;
    if (const json* p = num(c, "port")) return "tcpconnect://" + host + ":" + std::to_string(p->get<long>());
    return "tcpconnect://" + host;
  }
  return {};
}

std::string asn_of(const std::string& asn) {
  if (asn.empty()) return "AS0";
  if (asn.rfind("AS", 0) == 0) return asn;
  return "AS" + asn;
}

// Last line of defence: replace the vantage's own addresses in every string of `j`.
void scrub_own(json& j, const std::vector<std::string>& own) {
  if (j.is_string()) {
    std::string s = j.get<std::string>();
    bool changed = false;
    for (const auto& a : own) {
      for (std::size_t p = s.find(a); !a.empty() && p != std::string::npos; p = s.find(a, p)) {
        s.replace(p, a.size(), "[scrubbed]");
        changed = true;
      }
    }
    if (changed) j = s;
  } else if (j.is_structured()) {
    for (auto& v : j) scrub_own(v, own);
  }
}

}  // namespace

std::string ooni_report_id(const ExportMeta& meta) {
  std::string asn = asn_of(meta.vantage.asn).substr(2);
  std::string cc = meta.vantage.country.empty() ? "ZZ" : meta.vantage.country;
  std::string h = sha256_hex(meta.vantage.id + "|" + std::to_string(meta.from) + "|" +
                             std::to_string(meta.to));
  return utc_format(meta.from, "%Y%m%dT%H%M%SZ") + "_urlgetter_" + cc + "_" + asn + "_n1_" +
         h.substr(0, 16);
}

json ooni_measurement(const ExportMeta& meta, const RawMeasurementRow& row,
                      const std::string& report_id) {
  const json& ev = row.evidence;
  std::vector<std::string> keep = target_addresses(ev);
  std::int64_t t_s = row.t_ms / 1000;
  std::string input = input_of(row);
  json phases = {{"resolve_us", row.phases.resolve_us},     {"connect_us", row.phases.connect_us},
                 {"tls_us", row.phases.tls_us},             {"first_byte_us", row.phases.first_byte_us},
                 {"total_us", row.phases.total_us}};
  // Built by assignment: nlohmann's nested initializer lists deep-copy every level (measured
  // at ~5x the cost), and this runs once per raw measurement.
  json test_keys = json::object();
  test_keys["failure"] = failure_of(row.failure, keep);
  test_keys["failed_operation"] = row.failed_operation.empty() ? json(nullptr) : json(row.failed_operation);
  test_keys["queries"] = queries_of(ev, keep);
  test_keys["tcp_connect"] = tcp_connect_of(ev, keep);
  test_keys["tls_handshakes"] = tls_handshakes_of(ev, keep);
  test_keys["requests"] = requests_of(ev, row.status, keep);
  json& x = test_keys["x_netvigil"];
  x["probe"] = row.probe;
  x["kind"] = row.kind;
  x["group"] = row.group;
  x["service"] = row.service;
  x["ok"] = row.ok;
  x["status"] = row.status;
  x["phases"] = std::move(phases);
  double runtime = row.phases.total_us >= 0 ? row.phases.total_us / 1e6 : 0.0;
  json m = json::object();
  json& a = m["annotations"];
  a["engine_name"] = "netvigil";
  a["engine_version"] = meta.software_version;
  a["netvigil_probe"] = row.probe;
  a["netvigil_kind"] = row.kind;
  a["netvigil_group"] = row.group;
  a["netvigil_service"] = row.service;
  a["netvigil_vantage"] = meta.vantage.id;
  a["network_type"] = meta.vantage.network_type;
  m["data_format_version"] = "0.2.0";
  json& e = m["extensions"];
  for (const char* k : {"dnst", "tcpconnect", "tlshandshake", "httpt"}) e[k] = 0;
  m["id"] = uuid4_from(meta.vantage.id + "|" + row.probe + "|" + std::to_string(row.t_ms) + "|" + row.kind);
  m["input"] = input.empty() ? json(nullptr) : json(input);
  m["measurement_start_time"] = ooni_time(t_s);
  m["probe_asn"] = asn_of(meta.vantage.asn);
  m["probe_cc"] = meta.vantage.country.empty() ? "ZZ" : meta.vantage.country;
  m["probe_ip"] = "127.0.0.1";
  m["probe_network_name"] = meta.network_name;
  m["report_id"] = report_id;
  m["resolver_asn"] = "AS0";
  m["resolver_ip"] = "127.0.0.2";
  m["software_name"] = "netvigil";
  m["software_version"] = meta.software_version;
  m["test_name"] = "urlgetter";
  m["test_version"] = "0.2.0";
  m["test_keys"] = std::move(test_keys);
  m["test_runtime"] = runtime;
  m["test_start_time"] = ooni_time(t_s);
  if (!meta.own_addresses.empty()) scrub_own(m, meta.own_addresses);
  return m;
}

void write_ooni_jsonl(const ExportMeta& meta, const Source<RawMeasurementRow>& next,
                      std::ostream& os, Progress* progress) {
  const std::string report_id = ooni_report_id(meta);
  RawMeasurementRow row;
  while (next(row)) {
    os << ooni_measurement(meta, row, report_id)
              .dump(-1, ' ', false, json::error_handler_t::replace)
       << '\n';
    if (progress) progress->tick();
  }
  if (progress) progress->finish();
}

}  // namespace netvigil
