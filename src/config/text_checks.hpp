// Small validators for catalog and config text: slugs, host names, URLs, dates, durations.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace netvigil {

/// `[a-z0-9][a-z0-9._-]{0,63}` and not an IP address literal.
bool is_slug(std::string_view s) noexcept;

/// True for an IPv4 or IPv6 literal (also when it would pass as a slug, e.g. "10.0.0.1").
bool is_ip_literal(std::string_view s) noexcept;

/// A DNS host name: labels of [A-Za-z0-9-] (underscore tolerated), 1..63 each, ≤ 253 total.
bool is_host_name(std::string_view s) noexcept;

/// An ISO date "YYYY-MM-DD" with a plausible month and day.
bool is_date(std::string_view s) noexcept;

/// The parts of an http(s) URL that validation needs.
struct UrlParts {
  std::string scheme;      ///< "http" or "https"
  std::string host;        ///< without brackets for IPv6
  std::uint16_t port = 0;  ///< 0 = the scheme's default
};

/// Parse "http(s)://host[:port][/path...]"; on failure returns nullopt and sets `why`.
std::optional<UrlParts> parse_url(std::string_view url, std::string& why);

/// Parse "500ms", "10s", "5m", "1h", "7d" or a sum like "1h30m"; nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view s) noexcept;

/// Render a duration in the largest unit that divides it ("90s", "2h", "7d", "500ms").
std::string format_duration(std::chrono::milliseconds d);

/// The closest candidate within edit distance 2 (case-insensitive), or "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace netvigil
