// Fuzz target: address and CIDR prefix text (config bogon overrides, catalog prefix lists and
// block-page addresses, resolver addresses) and the bogon list's membership test.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.hpp"
#include "net/prefix.hpp"

using namespace netvigil;

namespace {

const std::vector<Prefix>& bogons() {
  static const std::vector<Prefix> list = [] {
    std::vector<Prefix> out;
    for (auto text : default_bogons()) {
      auto p = Prefix::parse(text);
      NV_FUZZ_CHECK(p.has_value());
      out.push_back(*p);
    }
    return out;
  }();
  return list;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto a = IpAddress::parse(text)) {
    // Printing and parsing again gives the same address.
    auto again = IpAddress::parse(a->to_string());
    NV_FUZZ_CHECK(again.has_value() && *again == *a);
    for (const auto& b : bogons()) (void)b.contains(*a);
  }
  if (auto p = Prefix::parse(text)) {
    NV_FUZZ_CHECK(p->length >= 0 && p->length <= (p->base.v4 ? 32 : 128));
    NV_FUZZ_CHECK(p->contains(p->base));
    auto again = Prefix::parse(p->to_string());
    NV_FUZZ_CHECK(again.has_value() && again->length == p->length && again->base == p->base);
    // Any address inside a prefix is inside every shorter prefix over the same base.
    for (int len = 0; len <= p->length; len += 7) {
      Prefix shorter = *p;
      shorter.length = len;
      NV_FUZZ_CHECK(shorter.contains(p->base));
    }
  }
  return 0;
}
