// Times on the command line: "24h" / "7d" / "90m" (ago), "now", or UTC ISO 8601 dates.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace netvigil {

/// Unix seconds for `text`: a duration ago from `now_s` ("30m", "24h", "7d", "2w"), "now",
/// "2026-06-13", "2026-06-13T14:32", "2026-06-13T14:32:00Z" (UTC; a trailing Z optional).
std::optional<std::int64_t> parse_time_arg(const std::string& text, std::int64_t now_s);

/// Wall clock now, unix seconds.
std::int64_t now_unix_s();

}  // namespace netvigil
