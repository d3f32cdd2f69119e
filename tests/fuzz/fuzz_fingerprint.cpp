// Fuzz target: block-page fingerprint matching against hostile bodies, headers and DNS answers,
// with catalog-style patterns of every type (regexps through PCRE2 under its match limit).
//
// Input, '\n'-separated: type (exact|prefix|contains|regexp), where (body|header|dns), header
// name, pattern, then the rest is the text (the body; also read as "Name: value" header lines
// and as the DNS answer address text). The catalog loader's regexp validation runs first, as it
// does at load; an invalid regexp never matches.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "probe/fingerprint.hpp"

using namespace netvigil;
using namespace netvigil::fuzz;

namespace {

std::vector<HttpHeader> header_lines(std::string_view text) {
  std::vector<HttpHeader> out;
  for (auto line : split(text, "\n", 64)) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    out.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parts = split(std::string_view(reinterpret_cast<const char*>(data), size), "\n", 5);
  if (parts.size() < 5) return 0;
  Fingerprint fp;
  fp.id = "fuzz-fp";
  fp.type = std::string(parts[0]);
  fp.where = std::string(parts[1]);
  fp.header = std::string(parts[2]);
  fp.pattern = std::string(parts[3]);
  const std::string_view text = parts[4];

  const bool valid = fp.type != "regexp" || !regexp_error(fp.pattern).has_value();
  const auto started = std::chrono::steady_clock::now();
  const bool matched = fingerprint_matches(fp, text);
  // The match limit bounds a pathological pattern to a few tens of ms (fingerprint.hpp).
  NV_FUZZ_CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
  if (!valid) NV_FUZZ_CHECK(!matched);
  if (fp.type == "exact") NV_FUZZ_CHECK(matched == (text == fp.pattern));
  if (fp.type == "prefix") NV_FUZZ_CHECK(matched == (text.rfind(fp.pattern, 0) == 0));
  if (fp.type == "contains")
    NV_FUZZ_CHECK(matched == (text.find(fp.pattern) != std::string_view::npos));

  const std::vector<Fingerprint> fps{fp};
  const Fingerprint* body = match_body(fps, text);
  NV_FUZZ_CHECK(body == nullptr || (fp.where == "body" && matched));
  const Fingerprint* dns = match_dns(fps, text);
  NV_FUZZ_CHECK(dns == nullptr || (fp.where == "dns" && matched));
  const Fingerprint* header = match_headers(fps, header_lines(text));
  NV_FUZZ_CHECK(header == nullptr || fp.where == "header");
  return 0;
}
