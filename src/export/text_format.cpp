// Text conventions shared by the export writers.
#include "export/text_format.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <regex>

namespace netvigil {

std::string utc_format(std::int64_t unix_s, const char* fmt) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::size_t n = std::strftime(buf, sizeof buf, fmt, &tm);
  return std::string(buf, n);
}

std::string iso_utc(std::int64_t unix_s) { return utc_format(unix_s, "%Y-%m-%dT%H:%M:%SZ"); }

std::string ooni_time(std::int64_t unix_s) { return utc_format(unix_s, "%Y-%m-%d %H:%M:%S"); }

std::string fixed_number(double v, int decimals) {
  if (!std::isfinite(v)) return "";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  if (ec != std::errc{}) return "";
  std::string s(buf, end);
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

std::string human_duration(std::int64_t seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds < 60) return std::to_string(seconds) + " s";
  std::int64_t minutes = seconds / 60;
  std::int64_t d = minutes / 1440, h = (minutes / 60) % 24, m = minutes % 60;
  if (d >= 3) return std::to_string(d) + " d " + std::to_string(h) + " h";
  h += d * 24;
  if (h == 0) return std::to_string(m) + " min";
  return std::to_string(h) + " h " + std::to_string(m) + " min";
}

std::string csv_field(std::string_view s) {
  std::string v(s);
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '@' ||
                     (v[0] == '-' && !(v.size() > 1 && std::isdigit(static_cast<unsigned char>(v[1]))))))
    v.insert(v.begin(), '\'');
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string to_hex(const unsigned char* data, std::size_t n) {
  static const char* kHex = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 15];
  }
  return out;
}

namespace {

bool is_token_char(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
}

bool kept(std::string_view addr, const std::vector<std::string>& keep) {
  return std::find(keep.begin(), keep.end(), addr) != keep.end();
}

// Scrub dotted quads inside one token (a run of hex digits, colons and dots).
std::string scrub_v4_in(const std::string& token, const std::vector<std::string>& keep) {
  // Fast path: most tokens (words, times, hashes) cannot hold a dotted quad.
  if (std::count(token.begin(), token.end(), '.') < 3) return token;
  static const std::regex kV4(R"((\d{1,3}\.){3}\d{1,3})");
  std::string out;
  std::size_t last = 0;
  for (auto it = std::sregex_iterator(token.begin(), token.end(), kV4); it != std::sregex_iterator();
       ++it) {
    auto pos = static_cast<std::size_t>(it->position());
    out.append(token, last, pos - last);
    out += kept(it->str(), keep) ? it->str() : "[scrubbed]";
    last = pos + static_cast<std::size_t>(it->length());
  }
  out.append(token, last);
  return out;
}

}  // namespace

std::string scrub_except(std::string_view text, const std::vector<std::string>& keep) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_token_char(text[i])) {
      out += text[i++];
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && is_token_char(text[j])) ++j;
    std::string token(text.substr(i, j - i));
    i = j;
    if (std::count(token.begin(), token.end(), ':') >= 2) {
      // Candidate IPv6: validate with inet_pton so times like 14:32:00 stay readable.
      std::string core = token;
      std::string tail;
      while (!core.empty() && (core.back() == ':' || core.back() == '.')) {
        tail.insert(tail.begin(), core.back());
        core.pop_back();
      }
      in6_addr a6{};
      if (inet_pton(AF_INET6, core.c_str(), &a6) == 1) {
        out += kept(core, keep) ? core : "[scrubbed]";
        out += tail;
        continue;
      }
    }
    out += scrub_v4_in(token, keep);
  }
  return out;
}

}  // namespace netvigil
