// Fuzz target: `netvigil verify FILE [--key PEM | --fingerprint HEX]`: a detached signature
// file (JSON), the signed file, and the pinned key, all as a user might hand them over.
//
// Input: three parts separated by the line "--8<--": the .sig text, the file's bytes, and the
// pin (a PEM key when it starts with "-----BEGIN", else a fingerprint when not empty).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "export/signing.hpp"
#include "fuzz_support.hpp"

using namespace netvigil;
using namespace netvigil::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parts =
      split(std::string_view(reinterpret_cast<const char*>(data), size), "\n--8<--\n", 3);
  const std::string& dir = scratch_dir();
  const std::string file = dir + "/export.csv", sig = dir + "/export.csv.sig",
                    key = dir + "/publisher.pub";
  write_file(sig, parts[0]);
  write_file(file, parts.size() > 1 ? parts[1] : std::string_view());
  const std::string_view pin_text = parts.size() > 2 ? parts[2] : std::string_view();
  PinnedKey pin;
  if (pin_text.rfind("-----BEGIN", 0) == 0) {
    write_file(key, pin_text);
    pin.public_key_path = key;
    (void)key_file_fingerprint(key);
  } else {
    pin.fingerprint = std::string(pin_text);
  }
  VerifyResult r = verify_file(file, "", pin);
  NV_FUZZ_CHECK(!r.message.empty());
  NV_FUZZ_CHECK(to_string(r.status) != "unknown");
  // Authorship is claimed only against a pin, and then only for the key that signed.
  if (r.status == VerifyStatus::ok_pinned) NV_FUZZ_CHECK(!pin_text.empty());
  if (r.status == VerifyStatus::ok_integrity_only) NV_FUZZ_CHECK(pin_text.empty());
  if (r.ok()) NV_FUZZ_CHECK(r.fingerprint.size() == 64);
  return 0;
}
