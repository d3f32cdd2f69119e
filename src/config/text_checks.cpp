// Hand-written validators: no regex needed for these fixed shapes.
#include "config/text_checks.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "net/prefix.hpp"

namespace netvigil {
namespace {

bool lower_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool all_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int to_int(std::string_view s) noexcept {
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

bool is_ip_literal(std::string_view s) noexcept {
  return IpAddress::parse(s).has_value();
}

bool is_slug(std::string_view s) noexcept {
  if (s.empty() || s.size() > 64 || !lower_alnum(s[0])) return false;
  for (char c : s)
    if (!lower_alnum(c) && c != '.' && c != '_' && c != '-') return false;
  return !is_ip_literal(s);
}

bool is_host_name(std::string_view s) noexcept {
  if (s.empty() || s.size() > 253) return false;
  if (s.back() == '.') s.remove_suffix(1);
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t dot = s.find('.', start);
    if (dot == std::string_view::npos) dot = s.size();
    const auto label = s.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (char c : label)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    start = dot + 1;
  }
  return true;
}

bool is_date(std::string_view s) noexcept {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  const auto y = s.substr(0, 4), m = s.substr(5, 2), d = s.substr(8, 2);
  if (!all_digits(y) || !all_digits(m) || !all_digits(d)) return false;
  const int mi = to_int(m), di = to_int(d);
  return to_int(y) >= 2000 && mi >= 1 && mi <= 12 && di >= 1 && di <= 31;
}

std::optional<UrlParts> parse_url(std::string_view url, std::string& why) {
  UrlParts parts;
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) {
    why = "not an absolute URL";
    return std::nullopt;
  }
  parts.scheme = std::string(url.substr(0, sep));
  if (parts.scheme != "http" && parts.scheme != "https") {
    why = "scheme must be http or https";
    return std::nullopt;
  }
  if (std::any_of(url.begin(), url.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; })) {
    why = "contains a space or control character";
    return std::nullopt;
  }
  auto rest = url.substr(sep + 3);
  auto authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    why = "user information is not allowed";
    return std::nullopt;
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      why = "unclosed [ in host";
      return std::nullopt;
    }
    parts.host = std::string(authority.substr(1, close - 1));
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        why = "junk after ]";
        return std::nullopt;
      }
      port_text = after.substr(1);
      if (port_text.empty()) port_text = "x";
    }
    if (!IpAddress::parse(parts.host) || parts.host.find(':') == std::string::npos) {
      why = "bad IPv6 address in host";
      return std::nullopt;
    }
  } else {
    const auto colon = authority.rfind(':');
    parts.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) port_text = "x";
    }
    if (parts.host.empty()) {
      why = "no host";
      return std::nullopt;
    }
    if (!is_host_name(parts.host) && !is_ip_literal(parts.host)) {
      why = "bad host \"" + parts.host + "\"";
      return std::nullopt;
    }
  }
  if (!port_text.empty()) {
    const int p = all_digits(port_text) && port_text.size() <= 5 ? to_int(port_text) : 0;
    if (p < 1 || p > 65535) {
      why = "port must be 1..65535";
      return std::nullopt;
    }
    parts.port = static_cast<std::uint16_t>(p);
  }
  return parts;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view s) noexcept {
  if (s.empty()) return std::nullopt;
  std::int64_t total = 0;
  while (!s.empty()) {
    std::size_t n = 0;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
    if (n == 0 || n > 9) return std::nullopt;
    std::int64_t value = 0;
    std::from_chars(s.data(), s.data() + n, value);
    s.remove_prefix(n);
    std::int64_t unit_ms = 0;
    if (s.substr(0, 2) == "ms") {
      unit_ms = 1;
      s.remove_prefix(2);
    } else if (!s.empty()) {
      switch (s[0]) {
        case 's':
          unit_ms = 1000;
          break;
        case 'm':
          unit_ms = 60'000;
          break;
        case 'h':
          unit_ms = 3'600'000;
          break;
        case 'd':
          unit_ms = 86'400'000;
          break;
        default:
          return std::nullopt;
      }
      s.remove_prefix(1);
    } else {
      return std::nullopt;  // a bare number: the unit is not guessed
    }
    total += value * unit_ms;
  }
  return std::chrono::milliseconds(total);
}

std::string format_duration(std::chrono::milliseconds d) {
  const std::int64_t ms = d.count();
  struct Unit {
    std::int64_t ms;
    const char* name;
  };
  for (Unit u : {Unit{86'400'000, "d"}, Unit{3'600'000, "h"}, Unit{60'000, "m"}, Unit{1000, "s"}})
    if (ms != 0 && ms % u.ms == 0) return std::to_string(ms / u.ms) + u.name;
  return std::to_string(ms) + "ms";
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = 3;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

}  // namespace netvigil
