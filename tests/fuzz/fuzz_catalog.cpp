// Fuzz target: one catalog file, loaded through the config's include path (`catalogs:` names
// it, it is read from disk with the size check) next to a fixed second catalog, so duplicate
// ids and prefix-list references across catalogs are exercised too.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config_loader.hpp"
#include "fuzz_support.hpp"

using namespace netvigil;
using namespace netvigil::fuzz;

namespace {

// A small valid catalog: a prefix list and ids the fuzzed catalog may collide with or use.
constexpr std::string_view kOther = R"(catalog: other
reviewed: 2026-11-26
license: CC-BY-4.0
description: fixed neighbour of the fuzzed catalog
prefix_lists:
  - name: fuzz-expected
    reviewed: 2026-11-26
    source: https://www.rfc-editor.org/rfc/rfc5737
    prefixes: [192.0.2.0/24, 2001:db8::/32]
probes:
  - {id: other-dns, kind: dns, group: international, host: example.com, expect_prefixes: fuzz-expected, source: "https://www.rfc-editor.org/rfc/rfc5737"}
)";

constexpr std::string_view kConfig = R"(resolvers:
  - name: system
    transports: [udp, tcp]
  - name: lab-resolver
    address: 192.0.2.53
    transports: [udp]
catalogs:
  - fuzz-catalog.yaml
  - other.yaml
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string dir = [] {
    write_file(scratch_dir() + "/other.yaml", kOther);
    return scratch_dir();
  }();
  write_file(dir + "/fuzz-catalog.yaml",
             std::string_view(reinterpret_cast<const char*>(data), size));
  LoadResult r = load_config_text(kConfig, dir + "/config.yaml", dir);
  NV_FUZZ_CHECK(r.ok() == r.errors.empty());
  for (const auto& e : r.errors) {
    NV_FUZZ_CHECK(e.line >= 1 && e.column >= 1 && !e.message.empty() && !e.file.empty());
    (void)e.to_string();
  }
  if (r.ok()) NV_FUZZ_CHECK(r.config->catalogs.size() == 2);
  return 0;
}
