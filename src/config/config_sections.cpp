// Config sections: each key read, range-checked and stored, or reported.
#include "config/config_sections.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "config/text_checks.hpp"

namespace netvigil {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

constexpr milliseconds kSecond{1000};
constexpr milliseconds kHour{3'600'000};
constexpr milliseconds kDay{86'400'000};

bool is_upper_code(std::string_view s, std::size_t n) {
  return s.size() == n &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

void read_vantage(const YAML::Node& node, Vantage& v, Reporter& r) {
  YamlMap m(node, r, "vantage");
  if (!m.valid()) return;
  if (auto n = m.get("id"))
    if (auto s = read_slug(*n, "id", r)) v.id = *s;
  if (auto n = m.get("country")) {
    if (auto s = read_string(*n, "country", r)) {
      if (is_upper_code(*s, 2))
        v.country = *s;
      else
        r.error(*n, "country: expected an ISO 3166 alpha-2 code such as IR, found \"" + *s + "\"");
    }
  }
  if (auto n = m.get("asn")) {
    if (auto s = read_string(*n, "asn", r)) {
      const bool ok =
          s->size() > 2 && s->size() <= 12 && s->rfind("AS", 0) == 0 &&
          std::all_of(s->begin() + 2, s->end(), [](char c) { return c >= '0' && c <= '9'; });
      if (ok)
        v.asn = *s;
      else
        r.error(*n, "asn: expected AS followed by digits, e.g. AS12345, found \"" + *s + "\"");
    }
  }
  if (auto n = m.get("network_type"))
    if (auto s = read_slug(*n, "network_type", r)) v.network_type = *s;
  if (auto n = m.get("timezone")) {
    if (auto s = read_nonempty(*n, "timezone", r)) {
      const bool ok = s->find("..") == std::string::npos && s->front() != '/' &&
                      std::all_of(s->begin(), s->end(), [](char c) {
                        return std::isalnum(static_cast<unsigned char>(c)) || c == '/' ||
                               c == '_' || c == '-' || c == '+';
                      });
      if (ok)
        v.timezone = *s;
      else
        r.error(*n,
                "timezone: expected a tz database name such as Asia/Tehran, found \"" + *s + "\"");
    }
  }
  m.finish();
}

// "127.0.0.1:9567", "[::1]:9567", "localhost:9567".
bool valid_listen(std::string_view s) {
  std::string_view host, port;
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find("]:");
    if (close == std::string_view::npos) return false;
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
    if (host.find(':') == std::string_view::npos) return false;
  } else {
    const auto colon = s.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return false;
  }
  if (host != "localhost" && !is_ip_literal(host)) return false;
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  const int p = std::stoi(std::string(port));
  return p >= 1 && p <= 65535;
}

void read_pair(const YAML::Node& node, std::string_view ctx, std::string_view k1, std::string& v1,
               std::string_view k2, std::string& v2, Reporter& r) {
  YamlMap m(node, r, std::string(ctx));
  if (!m.valid()) return;
  if (auto n = m.require(k1))
    if (auto s = read_nonempty(*n, k1, r)) v1 = *s;
  if (auto n = m.require(k2))
    if (auto s = read_nonempty(*n, k2, r)) v2 = *s;
  m.finish();
}

void read_http(const YAML::Node& node, HttpConfig& h, Reporter& r) {
  YamlMap m(node, r, "http");
  if (!m.valid()) return;
  if (auto n = m.get("listen")) {
    if (auto s = read_string(*n, "listen", r)) {
      if (valid_listen(*s))
        h.listen = *s;
      else
        r.error(*n, "listen: expected ADDRESS:PORT such as 127.0.0.1:9567, found \"" + *s + "\"");
    }
  }
  if (auto n = m.get("basic_auth"))
    read_pair(*n, "basic_auth", "user", h.basic_auth_user, "password_file",
              h.basic_auth_password_file, r);
  if (auto n = m.get("tls")) read_pair(*n, "tls", "cert", h.tls_cert, "key", h.tls_key, r);
  m.finish();
}

void read_resolver(const YAML::Node& node, std::vector<ResolverSpec>& out, Reporter& r) {
  YamlMap m(node, r, "resolver");
  if (!m.valid()) return;
  ResolverSpec spec;
  bool bad = false;
  std::optional<YAML::Node> name_node = m.require("name");
  if (name_node) {
    if (auto s = read_slug(*name_node, "name", r))
      spec.name = *s;
    else
      bad = true;
  } else {
    bad = true;
  }
  const bool system = spec.name == "system";
  if (auto n = system ? m.get("address") : m.require("address")) {
    if (system) {
      r.error(*n, "address: the system resolver's address comes from /etc/resolv.conf");
      bad = true;
    } else if (auto s = read_string(*n, "address", r); s && is_ip_literal(*s)) {
      spec.address = *s;
    } else {
      if (s) r.error(*n, "address: \"" + *s + "\" is not an IP address");
      bad = true;
    }
  } else if (!system) {
    bad = true;
  }
  if (auto n = m.get("port")) {
    if (auto p = read_int(*n, "port", r, 1, 65535))
      spec.port = static_cast<std::uint16_t>(*p);
    else
      bad = true;
  }
  if (auto n = m.get("transports")) {
    spec.transports.clear();
    const auto items = read_list(*n, "transports", r);
    if (items.empty()) {
      if (n->IsSequence()) r.error(*n, "transports: must not be empty");
      bad = true;
    }
    for (const auto& item : items) {
      auto s = read_string(item, "transports", r);
      if (s && (*s == "udp" || *s == "tcp") &&
          std::find(spec.transports.begin(), spec.transports.end(), *s) == spec.transports.end()) {
        spec.transports.push_back(*s);
      } else {
        if (s) r.error(item, "transports: expected udp or tcp once each, found \"" + *s + "\"");
        bad = true;
      }
    }
  }
  m.finish();
  if (bad) return;
  auto same = std::find_if(out.begin(), out.end(),
                           [&](const ResolverSpec& e) { return e.name == spec.name; });
  if (system) {
    same->transports = spec.transports;
    same->port = spec.port;
  } else if (same != out.end()) {
    r.error(*name_node, "name: resolver \"" + spec.name + "\" defined twice");
  } else {
    out.push_back(std::move(spec));
  }
}

void read_schedule(const YAML::Node& node, Schedule& s, Reporter& r) {
  YamlMap m(node, r, "schedule");
  if (!m.valid()) return;
  if (auto n = m.get("interval"))
    if (auto d = read_duration(*n, "interval", r, kSecond, kDay)) s.interval = *d;
  if (auto n = m.get("jitter")) {
    if (auto d = read_duration(*n, "jitter", r, milliseconds{0}, kDay)) {
      if (*d < s.interval)
        s.jitter = *d;
      else
        r.error(*n, "jitter: jitter " + format_duration(*d) + " must be shorter than interval " +
                        format_duration(s.interval));
    }
  }
  if (auto n = m.get("timeout")) {
    if (auto d = read_duration(*n, "timeout", r, milliseconds{100}, kDay)) {
      if (*d < s.interval)
        s.timeout = *d;
      else
        r.error(*n, "timeout: timeout " + format_duration(*d) + " must be shorter than interval " +
                        format_duration(s.interval));
    }
  } else if (s.timeout >= s.interval) {
    r.error(m.key_mark("interval"), "interval: interval " + format_duration(s.interval) +
                                        " must be longer than the default timeout " +
                                        format_duration(s.timeout));
  }
  if (!m.get("jitter") && s.jitter >= s.interval) s.jitter = s.interval / 2;
  if (auto n = m.get("max_in_flight"))
    if (auto v = read_int(*n, "max_in_flight", r, 1, 4096))
      s.max_in_flight = static_cast<std::size_t>(*v);
  m.finish();
}

std::optional<hours> read_hours(const YAML::Node& n, std::string_view key, Reporter& r,
                                milliseconds min, milliseconds max) {
  auto d = read_duration(n, key, r, min, max);
  if (!d) return std::nullopt;
  if (d->count() % kHour.count() != 0) {
    r.error(n, std::string(key) + ": must be a whole number of hours");
    return std::nullopt;
  }
  return std::chrono::duration_cast<hours>(*d);
}

void read_retention(const YAML::Node& node, Retention& ret, Reporter& r) {
  YamlMap m(node, r, "retention");
  if (!m.valid()) return;
  if (auto n = m.get("raw"))
    if (auto h = read_hours(*n, "raw", r, kHour, kDay * 3650)) ret.raw = *h;
  if (auto n = m.get("rollups")) {
    if (auto h = read_hours(*n, "rollups", r, kDay, kDay * 36500)) {
      if (*h >= ret.raw)
        ret.rollups = *h;
      else
        r.error(*n, "rollups: rollups must be kept at least as long as raw rows");
    }
  }
  m.finish();
}

void read_detector(const YAML::Node& node, DetectorConfig& d, Reporter& r) {
  YamlMap m(node, r, "detector");
  if (!m.valid()) return;
  if (auto n = m.get("step"))
    if (auto v = read_duration(*n, "step", r, kSecond * 10, kHour)) d.step = *v;
  if (auto n = m.get("baseline_window"))
    if (auto h = read_hours(*n, "baseline_window", r, kHour, kDay * 365)) d.baseline_window = *h;
  if (auto n = m.get("warmup"))
    if (auto v = read_duration(*n, "warmup", r, milliseconds{0}, kDay * 30)) d.warmup = *v;
  m.finish();
}

void read_ca_file(const YAML::Node& n, std::string& out, Reporter& r) {
  auto s = read_nonempty(n, "ca_file", r);
  if (!s) return;
  // Checked now: a missing CA file would turn every TLS probe into a false "blocked".
  struct stat st {};
  if (::stat(s->c_str(), &st) != 0) {
    r.error(n, "ca_file: cannot open \"" + *s + "\": " + std::strerror(errno));
  } else if (!S_ISREG(st.st_mode)) {
    r.error(n, "ca_file: \"" + *s + "\" is not a regular file");
  } else {
    out = *s;
  }
}

}  // namespace

void read_config_sections(YamlMap& top, Config& c, Reporter& r) {
  if (auto n = top.get("vantage")) read_vantage(*n, c.vantage, r);
  if (auto n = top.get("database"))
    if (auto s = read_nonempty(*n, "database", r)) c.database = *s;
  if (auto n = top.get("http")) read_http(*n, c.http, r);
  if (auto n = top.get("resolvers"))
    for (const auto& item : read_list(*n, "resolvers", r)) read_resolver(item, c.resolvers, r);
  if (auto n = top.get("ca_file")) read_ca_file(*n, c.ca_file, r);
  if (auto n = top.get("schedule")) read_schedule(*n, c.schedule, r);
  if (auto n = top.get("retention")) read_retention(*n, c.retention, r);
  if (auto n = top.get("detector")) read_detector(*n, c.detector, r);
  if (auto n = top.get("bogons")) {
    YamlMap m(*n, r, "bogons");
    if (m.valid()) {
      if (auto o = m.get("ordinary")) c.bogon_ordinary = read_prefix_list(*o, "ordinary", r);
      m.finish();
    }
  }
  if (auto n = top.get("blockpage_addresses"))
    c.blockpage_extra = read_prefix_list(*n, "blockpage_addresses", r);
  if (auto n = top.get("signing_key"))
    if (auto s = read_nonempty(*n, "signing_key", r)) c.signing_key = *s;
}

}  // namespace netvigil
