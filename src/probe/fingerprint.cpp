// Fingerprint matching; regexps through PCRE2 (heap-based, with match limits) because
// std::regex recurses per character and overflows the stack on a 64 KiB body.
#include "probe/fingerprint.hpp"

#include <strings.h>

#include <memory>
#include <mutex>
#include <unordered_map>

#include "core/pcre2_ptr.hpp"

namespace netvigil {
namespace {

// Bounds the work of one search (PCRE2 "match limit"): a few tens of ms at worst.
constexpr std::uint32_t kMatchLimit = 200'000;
constexpr std::uint32_t kDepthLimit = 10'000;

/// Compiled patterns by pattern text: each is compiled once per process.
class RegexCache {
 public:
  bool search(const std::string& pattern, std::string_view text) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!context_) {
      context_.reset(pcre2_match_context_create(nullptr));
      pcre2_set_match_limit(context_.get(), kMatchLimit);
      pcre2_set_depth_limit(context_.get(), kDepthLimit);
    }
    auto it = compiled_.find(pattern);
    if (it == compiled_.end())
      it = compiled_.emplace(pattern, pcre2_compile_pattern(pattern)).first;
    if (!it->second) return false;
    Pcre2MatchData data(pcre2_match_data_create_from_pattern(it->second.get(), nullptr));
    const int rc = pcre2_match(it->second.get(), reinterpret_cast<PCRE2_SPTR>(text.data()),
                               text.size(), 0, 0, data.get(), context_.get());
    return rc >= 0;  // no match, match limit hit or error: not a match
  }

 private:
  std::mutex mu_;
  Pcre2MatchContext context_;
  std::unordered_map<std::string, Pcre2Code> compiled_;
};

RegexCache& cache() {
  static RegexCache c;
  return c;
}

}  // namespace

bool fingerprint_matches(const Fingerprint& fp, std::string_view text) {
  const std::string_view p = fp.pattern;
  if (fp.type == "exact") return text == p;
  if (fp.type == "prefix") return text.substr(0, p.size()) == p;
  if (fp.type == "contains") return text.find(p) != std::string_view::npos;
  if (fp.type == "regexp") return cache().search(fp.pattern, text);
  return false;
}

const Fingerprint* match_body(const std::vector<Fingerprint>& fps, std::string_view body) {
  for (const auto& fp : fps)
    if (fp.where == "body" && fingerprint_matches(fp, body)) return &fp;
  return nullptr;
}

const Fingerprint* match_headers(const std::vector<Fingerprint>& fps,
                                 const std::vector<HttpHeader>& headers) {
  for (const auto& fp : fps) {
    if (fp.where != "header") continue;
    for (const auto& [name, value] : headers)
      if (strcasecmp(name.c_str(), fp.header.c_str()) == 0 && fingerprint_matches(fp, value))
        return &fp;
  }
  return nullptr;
}

const Fingerprint* match_dns(const std::vector<Fingerprint>& fps, std::string_view address) {
  for (const auto& fp : fps)
    if (fp.where == "dns" && fingerprint_matches(fp, address)) return &fp;
  return nullptr;
}

}  // namespace netvigil
