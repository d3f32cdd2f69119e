// Fuzz target: a whole config file (as `netvigil check` reads it), with the catalogs it names
// resolved against tests/fixtures/config (catalogs/*.yaml there) or the embedded ones, then
// the blocking knowledge built from it as the daemon does.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config_loader.hpp"
#include "fuzz_support.hpp"
#include "probe/blocking_knowledge.hpp"

using namespace netvigil;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  LoadResult r = load_config_text(text, "fuzz.yaml", NETVIGIL_SOURCE_DIR "/tests/fixtures/config");
  // The contract: a config or errors, never both, never neither; every error is positioned.
  NV_FUZZ_CHECK(r.ok() == r.errors.empty());
  for (const auto& e : r.errors) {
    NV_FUZZ_CHECK(e.line >= 1 && e.column >= 1 && !e.message.empty() && !e.file.empty());
    (void)e.to_string();
  }
  if (r.ok()) {
    BlockingKnowledge k = BlockingKnowledge::from(*r.config);
    (void)k.fingerprints().size();
  }
  return 0;
}
