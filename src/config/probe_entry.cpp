// Reading one probe entry: common keys, then the keys of its kind, then cross-field rules.
#include "config/probe_entry.hpp"

#include <algorithm>
#include <array>

#include "config/text_checks.hpp"
#include "config/yaml_map.hpp"

namespace netvigil {
namespace {

using std::chrono::milliseconds;

constexpr std::string_view kGateway = "@gateway";
constexpr std::size_t kMaxBodyCap =
    1u << 20;  // a block page is kilobytes; 16 MiB per probe in flight is a memory risk
constexpr std::int64_t kMaxThroughputBytes = 1ll << 30;

// Keys that only some kinds understand; a key outside its kinds is a mistake worth an error.
struct KindKey {
  std::string_view key;
  std::array<bool, 6> kinds;  // indexed by ProbeKind: dns tcp tls http service throughput
};
constexpr std::array<KindKey, 15> kKindKeys{{
    {"host", {true, true, true, false, false, false}},
    {"ports", {false, true, true, false, false, false}},
    {"address", {false, true, true, true, false, true}},
    {"sni", {false, false, true, false, false, false}},
    {"resolvers", {true, false, false, false, false, false}},
    {"qtypes", {true, false, false, false, false, false}},
    {"expect_prefixes", {true, false, false, false, false, false}},
    {"refused_ok", {false, true, false, false, false, false}},
    {"url", {false, false, false, true, false, true}},
    {"method", {false, false, false, true, false, false}},
    {"body", {false, false, false, true, false, false}},
    {"body_cap", {false, false, false, true, false, false}},
    {"ignore_status", {false, false, false, true, false, false}},
    {"bytes", {false, false, false, false, false, true}},
    {"source", {true, true, true, true, false, true}},
}};

std::string kind_list() {
  return "dns, tcp, tls, http, throughput";
}

std::optional<ProbeKind> read_kind(const YAML::Node& n, Reporter& r) {
  auto s = read_string(n, "kind", r);
  if (!s) return std::nullopt;
  if (*s == "service") {
    r.error(n, "kind: \"service\" is not a probe kind; describe services under services:");
    return std::nullopt;
  }
  auto k = probe_kind_from(*s);
  if (!k) r.error(n, "kind: unknown kind \"" + *s + "\" (one of " + kind_list() + ")");
  return k;
}

// Hosts: a DNS name, an IP literal, or "@gateway" (tcp only).
std::optional<std::string> read_host(const YAML::Node& n, ProbeKind kind, Reporter& r) {
  auto s = read_nonempty(n, "host", r);
  if (!s) return std::nullopt;
  if (*s == kGateway) {
    if (kind == ProbeKind::tcp) return s;
    r.error(n, "host: @gateway is only for tcp probes");
    return std::nullopt;
  }
  if (kind == ProbeKind::dns && is_ip_literal(*s)) {
    r.error(n, "host: a dns probe needs a name, not an address");
    return std::nullopt;
  }
  if (!is_ip_literal(*s) && !is_host_name(*s)) {
    r.error(n, "host: \"" + *s + "\" is neither a host name nor an IP address");
    return std::nullopt;
  }
  return s;
}

std::vector<std::uint16_t> read_ports(const YAML::Node& n, Reporter& r, bool& bad) {
  std::vector<std::uint16_t> ports;
  const auto items = read_list(n, "ports", r);
  if (items.empty()) {
    if (n.IsSequence()) r.error(n, "ports: must not be empty");
    bad = true;
  }
  for (const auto& item : items) {
    auto p = read_int(item, "ports", r, 1, 65535);
    if (!p) {
      bad = true;
      continue;
    }
    const auto port = static_cast<std::uint16_t>(*p);
    if (std::find(ports.begin(), ports.end(), port) != ports.end()) {
      r.error(item, "ports: port " + std::to_string(port) + " listed twice");
      bad = true;
    }
    ports.push_back(port);
  }
  return ports;
}

std::vector<std::string> read_names(const YAML::Node& n, std::string_view key, Reporter& r,
                                    const std::vector<std::string>& allowed, bool& bad) {
  std::vector<std::string> out;
  const auto items = read_list(n, key, r);
  if (items.empty()) {
    if (n.IsSequence()) r.error(n, std::string(key) + ": must not be empty");
    bad = true;
  }
  for (const auto& item : items) {
    auto s = read_string(item, key, r);
    if (!s) {
      bad = true;
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), *s) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      const bool resolver = key == "resolvers";
      r.error(item, std::string(key) + ": unknown " + (resolver ? "resolver" : "query type") +
                        " \"" + *s + "\" (" + (resolver ? "configured: " : "one of ") + list + ")");
      bad = true;
    } else if (std::find(out.begin(), out.end(), *s) != out.end()) {
      r.error(item, std::string(key) + ": \"" + *s + "\" listed twice");
      bad = true;
    } else {
      out.push_back(*s);
    }
  }
  return out;
}

// The kind-specific keys; `bad` collects whether anything was wrong.
void read_kind_keys(YamlMap& m, ProbeSpec& p, Reporter& r, LoadState& state, bool& bad) {
  const auto flag = [&](auto opt) {
    if (!opt) bad = true;
    return opt;
  };
  const bool needs_host =
      p.kind == ProbeKind::dns || p.kind == ProbeKind::tcp || p.kind == ProbeKind::tls;
  if (needs_host) {
    if (auto n = m.require("host")) {
      if (auto h = flag(read_host(*n, p.kind, r))) p.host = *h;
    } else {
      bad = true;
    }
  }
  if (auto n = m.get("ports")) p.ports = read_ports(*n, r, bad);
  if (auto n = m.get("address")) {
    if (auto a = flag(read_nonempty(*n, "address", r))) {
      if (is_ip_literal(*a))
        p.address = *a;
      else {
        r.error(*n, "address: \"" + *a + "\" is not an IP address");
        bad = true;
      }
    }
  }
  if (auto n = m.get("sni")) {
    if (auto s = flag(read_nonempty(*n, "sni", r))) {
      if (is_host_name(*s) && !is_ip_literal(*s))
        p.sni = *s;
      else {
        r.error(*n, "sni: \"" + *s + "\" is not a host name");
        bad = true;
      }
    }
  }
  if (auto n = m.get("resolvers")) {
    std::vector<std::string> names;
    for (const auto& res : state.config->resolvers) names.push_back(res.name);
    p.resolvers = read_names(*n, "resolvers", r, names, bad);
  }
  if (auto n = m.get("qtypes")) p.qtypes = read_names(*n, "qtypes", r, {"A", "AAAA"}, bad);
  if (auto n = m.get("expect_prefixes")) {
    if (auto s = flag(read_slug(*n, "expect_prefixes", r))) {
      p.expect_prefixes = *s;
      state.prefix_refs.push_back({r, n->Mark(), *s});
    }
  }
  if (auto n = m.get("refused_ok"))
    if (auto b = flag(read_bool(*n, "refused_ok", r))) p.refused_ok = *b;
  if (auto n = m.get("ignore_status"))
    if (auto b = flag(read_bool(*n, "ignore_status", r))) p.ignore_status = *b;
  if (p.kind == ProbeKind::http || p.kind == ProbeKind::throughput) {
    if (auto n = m.require("url")) {
      if (auto u = flag(read_nonempty(*n, "url", r))) {
        std::string why;
        if (parse_url(*u, why))
          p.url = *u;
        else {
          r.error(*n, "url: bad URL \"" + *u + "\": " + why);
          bad = true;
        }
      }
    } else {
      bad = true;
    }
  }
  if (auto n = m.get("method")) {
    if (auto s = flag(read_string(*n, "method", r))) {
      if (*s == "GET" || *s == "POST")
        p.http_method = *s;
      else {
        r.error(*n, "method: expected GET or POST, found \"" + *s + "\"");
        bad = true;
      }
    }
  }
  if (auto n = m.get("body")) {
    if (auto s = flag(read_string(*n, "body", r))) {
      if (p.http_method == "POST")
        p.http_body = *s;
      else {
        r.error(*n, "body: only a POST sends a body");
        bad = true;
      }
    }
  }
  if (auto n = m.get("body_cap"))
    if (auto v = flag(read_int(*n, "body_cap", r, 1, static_cast<std::int64_t>(kMaxBodyCap))))
      p.body_cap = static_cast<std::size_t>(*v);
  if (auto n = m.get("bytes"))
    if (auto v = flag(read_int(*n, "bytes", r, 1, kMaxThroughputBytes))) p.expect_bytes = *v;
}

// timeout < interval, with the schedule's values where the probe does not override them.
// Without an override the schedule's own check has already judged the pair.
void check_timing(YamlMap& m, const ProbeSpec& p, const Schedule& s, Reporter& r, bool& bad) {
  if (!p.interval && !p.timeout) return;
  const milliseconds interval = p.interval.value_or(s.interval);
  const milliseconds timeout = p.timeout.value_or(s.timeout);
  if (timeout < interval) return;
  const std::string text = "timeout " + format_duration(timeout) +
                           " must be shorter than interval " + format_duration(interval);
  if (p.timeout)
    r.error(m.get("timeout")->Mark(), "timeout: " + text);
  else
    r.error(m.get("interval")->Mark(), "interval: " + text);
  bad = true;
}

}  // namespace

std::optional<Group> read_group(const YAML::Node& n, Reporter& r) {
  auto s = read_string(n, "group", r);
  if (!s) return std::nullopt;
  auto g = group_from(*s);
  if (!g)
    r.error(n, "group: unknown group \"" + *s + "\" (one of local, isp, domestic, international)");
  return g;
}

std::optional<std::string> read_source(const YAML::Node& n, Reporter& r) {
  auto s = read_nonempty(n, "source", r);
  if (!s) return std::nullopt;
  std::string why;
  if (!parse_url(*s, why)) {
    r.error(n, "source: expected the http(s) URL of a public page, found \"" + *s + "\"");
    return std::nullopt;
  }
  return s;
}

std::optional<ProbeSpec> read_probe(const YAML::Node& node, Reporter& r, LoadState& state,
                                    const EndpointOf* endpoint_of) {
  const std::size_t errors_before = r.total();
  YamlMap m(node, r, endpoint_of ? "endpoint" : "probe");
  if (!m.valid()) return std::nullopt;
  bool bad = false;
  ProbeSpec p;
  p.origin = r.origin(node.Mark());
  if (auto n = m.require("id")) {
    if (auto id = read_slug(*n, "id", r); id && state.claim_id(*id, *n, r))
      p.id = *id;
    else
      bad = true;
  } else {
    bad = true;
  }
  std::optional<ProbeKind> kind;
  if (auto n = m.require("kind")) kind = read_kind(*n, r);
  if (endpoint_of) {
    p.service = endpoint_of->service;
    p.check = endpoint_of->check;
    p.group = endpoint_of->group;
    p.source = endpoint_of->source;
  }
  if (auto n = endpoint_of ? m.get("group") : m.require("group")) {
    if (auto g = read_group(*n, r))
      p.group = *g;
    else
      bad = true;
  } else if (!endpoint_of) {
    bad = true;
  }
  if (auto n = endpoint_of ? m.get("source") : m.require("source")) {
    if (auto s = read_source(*n, r))
      p.source = *s;
    else
      bad = true;
  } else if (!endpoint_of) {
    bad = true;
  }
  const milliseconds day{86'400'000};
  if (auto n = m.get("interval"))
    if (!(p.interval = read_duration(*n, "interval", r, milliseconds{1000}, day))) bad = true;
  if (auto n = m.get("timeout"))
    if (!(p.timeout = read_duration(*n, "timeout", r, milliseconds{100}, day))) bad = true;
  if (!kind) {
    // Without a kind the other keys cannot be judged; mark them known to avoid noise.
    for (const auto& k : kKindKeys) m.get(k.key);
    m.finish();
    return std::nullopt;
  }
  p.kind = *kind;
  for (const auto& k : kKindKeys) {
    if (k.key == "source" || k.kinds[static_cast<std::size_t>(p.kind)]) continue;
    if (m.get(k.key)) {
      r.error(m.key_mark(k.key), "key \"" + std::string(k.key) + "\" does not apply to a " +
                                     std::string(to_string(p.kind)) + " probe");
      bad = true;
    }
  }
  read_kind_keys(m, p, r, state, bad);
  if (p.host == kGateway && !p.address.empty()) {
    r.error(m.key_mark("address"), "address: @gateway is found at run time; no address allowed");
    bad = true;
  }
  m.finish();
  if (!bad && r.total() == errors_before) check_timing(m, p, state.config->schedule, r, bad);
  if (bad || r.total() != errors_before) return std::nullopt;
  if ((p.kind == ProbeKind::tcp || p.kind == ProbeKind::tls) && p.ports.empty()) p.ports = {443};
  return p;
}

}  // namespace netvigil
