// Block-page fingerprints: does a body, a response header or a DNS answer match one?
#pragma once

#include "config/regexp_check.hpp"  // regexp_error: validation with the same engine

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"

namespace netvigil {

/// A response header as received (name as sent, value without surrounding blanks).
using HttpHeader = std::pair<std::string, std::string>;

/// Does `text` match `fp.pattern` by `fp.type`: exact (whole text), prefix, contains, or
/// regexp (PCRE2, searched anywhere in the text, compiled once per pattern and cached).
/// Matching is case-sensitive and binary-safe. A regexp runs under a match limit: a
/// pathological pattern gives "no match" in bounded time, never a crash or a stalled loop.
/// An invalid regexp never matches (the catalog loader rejects it first).
bool fingerprint_matches(const Fingerprint& fp, std::string_view text);

/// The first fingerprint with where == body that matches `body`, or nullptr.
const Fingerprint* match_body(const std::vector<Fingerprint>& fps, std::string_view body);

/// The first fingerprint with where == header whose header (name compared without case)
/// has a value that matches, or nullptr.
const Fingerprint* match_headers(const std::vector<Fingerprint>& fps,
                                 const std::vector<HttpHeader>& headers);

/// The first fingerprint with where == dns that matches the address text `address`, or nullptr.
const Fingerprint* match_dns(const std::vector<Fingerprint>& fps, std::string_view address);


}  // namespace netvigil
