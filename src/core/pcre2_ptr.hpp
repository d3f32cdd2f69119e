// PCRE2 (8-bit) handles owned by unique_ptr, and compiling a pattern with its error text.
#pragma once

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <memory>
#include <string>
#include <string_view>

namespace netvigil {

struct Pcre2CodeFree {
  void operator()(pcre2_code* c) const noexcept { pcre2_code_free(c); }
};
struct Pcre2MatchDataFree {
  void operator()(pcre2_match_data* d) const noexcept { pcre2_match_data_free(d); }
};
struct Pcre2MatchContextFree {
  void operator()(pcre2_match_context* c) const noexcept { pcre2_match_context_free(c); }
};
using Pcre2Code = std::unique_ptr<pcre2_code, Pcre2CodeFree>;
using Pcre2MatchData = std::unique_ptr<pcre2_match_data, Pcre2MatchDataFree>;
using Pcre2MatchContext = std::unique_ptr<pcre2_match_context, Pcre2MatchContextFree>;

/// Compiles `pattern`; on failure returns null and, with `error`, sets e.g.
/// "missing closing parenthesis at offset 9".
inline Pcre2Code pcre2_compile_pattern(std::string_view pattern, std::string* error = nullptr) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  Pcre2Code re(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), 0, &code,
                             &offset, nullptr));
  if (!re && error != nullptr) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(code, buf, sizeof buf);
    *error =
        std::string(reinterpret_cast<const char*>(buf)) + " at offset " + std::to_string(offset);
  }
  return re;
}

}  // namespace netvigil
