// Removing IP addresses from free text before it is stored or exported.
#pragma once

#include <string>
#include <string_view>

namespace netvigil {

/// Replace every IPv4 and IPv6 address in `text` with "[scrubbed]" (as OONI does for error
/// strings), so a vantage's own address can never leak through an error message, a title or
/// a header, nor through the hash of a page that echoes it. Binary-safe; linear time (PCRE2).
std::string scrub_addresses(std::string_view text);

}  // namespace netvigil
