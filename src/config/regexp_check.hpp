// Validating fingerprint regexps with the engine that runs them (PCRE2), at config load.
#pragma once

#include <optional>
#include <string>

namespace netvigil {

/// Why `pattern` is not a valid PCRE2 regexp ("missing closing parenthesis at offset 9"),
/// or nullopt when it is.
std::optional<std::string> regexp_error(const std::string& pattern);

}  // namespace netvigil
