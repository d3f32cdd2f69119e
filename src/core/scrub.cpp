// IP scrubbing with std::regex; only run on error text, never on a hot path.
#include "core/scrub.hpp"

#include <regex>

namespace netvigil {

std::string scrub_addresses(std::string_view text) {
  // IPv4 dotted quads, and IPv6: groups of hex separated by colons with at least two colons.
  static const std::regex kV4(R"((\d{1,3}\.){3}\d{1,3})");
  static const std::regex kV6(R"(([0-9A-Fa-f]{0,4}:){2,7}((\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{0,4}))");
  std::string s(text);
  s = std::regex_replace(s, kV6, "[scrubbed]");
  s = std::regex_replace(s, kV4, "[scrubbed]");
  return s;
}

}  // namespace netvigil
