// Verdict rules as data: any_success, all_success, each_host_any_port.
#include "schedule/service_verdict.hpp"

#include <array>
#include <map>
#include <string>

namespace netvigil {
namespace {

std::string host_of(const ProbeSpec& s) {
  if (!s.host.empty()) return s.host;
  // URL host: between "://" and the next '/', ':' (port) — enough for catalog URLs.
  auto p = s.url.find("://");
  if (p == std::string::npos) return s.url;
  auto rest = s.url.substr(p + 3);
  if (!rest.empty() && rest[0] == '[') return rest.substr(0, rest.find(']') + 1);
  return rest.substr(0, rest.find_first_of(":/"));
}

// Earlier in the path wins ties: a DNS failure explains the later ones.
constexpr std::array<Method, 5> kMethodOrder{Method::dns, Method::tls, Method::tcp_ip,
                                             Method::http_blockpage, Method::http_failure};

}  // namespace

Measurement evaluate_service(const ServiceSpec& service, const std::vector<EndpointResult>& results,
                             std::int64_t started_unix_ms) {
  Measurement v;
  v.probe_id = service.id;
  v.kind = ProbeKind::service;
  v.group = service.group;
  v.service = service.id;
  v.started_unix_ms = started_unix_ms;
  v.ok = true;
  v.evidence = nlohmann::json::object();
  v.evidence["checks"] = nlohmann::json::array();

  std::map<Method, int> method_counts;
  const Measurement* first_failed = nullptr;
  std::int32_t total_us = 0;

  for (const auto& check : service.checks) {
    std::vector<const EndpointResult*> mine;
    for (const auto& r : results)
      if (r.spec->check == check.name) mine.push_back(&r);
    bool ok = false;
    nlohmann::json failed = nlohmann::json::array();
    nlohmann::json blocked_hosts = nlohmann::json::array();
    std::size_t successes = 0;
    for (const auto* r : mine) {
      total_us = std::max(total_us, r->m->phases.total_us);
      if (r->m->ok) ++successes; else failed.push_back(r->spec->id);
    }
    switch (check.rule) {
      case VerdictRule::any_success: ok = successes > 0; break;
      case VerdictRule::all_success: ok = !mine.empty() && successes == mine.size(); break;
      case VerdictRule::each_host_any_port: {
        std::map<std::string, bool> host_ok;
        for (const auto* r : mine) host_ok[host_of(*r->spec)] |= r->m->ok;
        for (const auto& [host, up] : host_ok) {
          if (up) ok = true; else blocked_hosts.push_back(host);
        }
        break;
      }
    }
    if (!ok) {
      v.ok = false;
      for (const auto* r : mine) {
        if (r->m->ok) continue;
        ++method_counts[r->m->method];
        if (!first_failed) first_failed = r->m;
      }
    }
    nlohmann::json c{{"name", check.name}, {"ok", ok}, {"failed", failed}};
    if (check.rule == VerdictRule::each_host_any_port) c["blocked_hosts"] = blocked_hosts;
    v.evidence["checks"].push_back(std::move(c));
  }

  v.phases.total_us = total_us;
  if (!v.ok) {
    int best = 0;
    for (Method m : kMethodOrder) {
      auto it = method_counts.find(m);
      if (it != method_counts.end() && it->second > best) {
        best = it->second;
        v.method = m;
      }
    }
    if (first_failed) {
      v.failure = first_failed->failure;
    } else {
      v.failure = FailureInfo{Failure::unknown_failure, Operation::none, "no endpoint ran"};
    }
    if (v.method == Method::none && first_failed) v.method = first_failed->method;
  }
  return v;
}

}  // namespace netvigil
