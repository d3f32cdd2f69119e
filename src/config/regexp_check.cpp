// pcre2_compile as a validator: the same flavour the http probe matches with.
#include "config/regexp_check.hpp"

#include "core/pcre2_ptr.hpp"

namespace netvigil {

std::optional<std::string> regexp_error(const std::string& pattern) {
  std::string error;
  if (pcre2_compile_pattern(pattern, &error)) return std::nullopt;
  return error;
}

}  // namespace netvigil
