// Parsing with strptime + timegm (UTC only: the record is in UTC).
#include "cli/time_args.hpp"

#include <chrono>
#include <ctime>

namespace netvigil {

std::int64_t now_unix_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

std::optional<std::int64_t> parse_time_arg(const std::string& text, std::int64_t now_s) {
  if (text == "now") return now_s;
  if (text.size() >= 2 && text.size() <= 8) {
    std::size_t used = 0;
    long long n = 0;
    try {
      n = std::stoll(text, &used);
    } catch (...) {
      used = 0;
    }
    if (used > 0 && used + 1 == text.size() && n >= 0) {
      switch (text.back()) {
        case 's': return now_s - n;
        case 'm': return now_s - n * 60;
        case 'h': return now_s - n * 3600;
        case 'd': return now_s - n * 86400;
        case 'w': return now_s - n * 7 * 86400;
        default: break;
      }
    }
  }
  for (const char* fmt : {"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%MZ",
                          "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"}) {
    std::tm tm{};
    const char* end = strptime(text.c_str(), fmt, &tm);
    if (end && *end == '\0') return static_cast<std::int64_t>(timegm(&tm));
  }
  return std::nullopt;
}

}  // namespace netvigil
