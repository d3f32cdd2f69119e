// IP scrubbing with PCRE2 (JIT): fast enough for response bodies, not only error text.
#include "core/scrub.hpp"

#include <algorithm>

#include "core/pcre2_ptr.hpp"

namespace netvigil {
namespace {

constexpr std::string_view kMark = "[scrubbed]";

// One compiled pattern, shared read-only by every thread (PCRE2 code is immutable once
// compiled; each call has its own match data).
class Pattern {
 public:
  explicit Pattern(std::string_view re) : code_(pcre2_compile_pattern(re)) {
    if (code_) pcre2_jit_compile(code_.get(), PCRE2_JIT_COMPLETE);  // the interpreter if no JIT
  }

  /// `text` with every match replaced by kMark; the whole text replaced when matching fails
  /// with an error (an address must never slip through unscrubbed).
  std::string replace(std::string_view text) const {
    if (!code_) return std::string(kMark);
    Pcre2MatchData md(pcre2_match_data_create_from_pattern(code_.get(), nullptr));
    if (!md) return std::string(kMark);
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    std::string out;
    std::size_t copied = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
      const int rc = pcre2_match(code_.get(), subject, text.size(), start, 0, md.get(), nullptr);
      if (rc == PCRE2_ERROR_NOMATCH) break;
      if (rc < 0) return std::string(kMark);
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
      out.append(text.substr(copied, ov[0] - copied));
      out.append(kMark);
      copied = ov[1];
      start = ov[1] > ov[0] ? ov[1] : ov[1] + 1;  // never loop on an empty match
    }
    out.append(text.substr(std::min(copied, text.size())));
    return out;
  }

 private:
  Pcre2Code code_;
};

}  // namespace

std::string scrub_addresses(std::string_view text) {
  // IPv6: groups of hex separated by colons, at least two colons (an embedded IPv4 allowed);
  // then IPv4 dotted quads.
  static const Pattern kV6(R"(([0-9A-Fa-f]{0,4}:){2,7}((\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{0,4}))");
  static const Pattern kV4(R"((\d{1,3}\.){3}\d{1,3})");
  return kV4.replace(kV6.replace(text));
}

}  // namespace netvigil
