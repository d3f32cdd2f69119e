// Splitting "*_us" timings out of evidence JSON and merging them back (see the header).
#include "store/evidence_timings.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace netvigil {
namespace {

bool is_timing(std::string_view key, const nlohmann::json& v) {
  return key.size() > 3 && key.substr(key.size() - 3) == "_us" && v.is_number_integer();
}

// Both walks visit the same members in the same order: nlohmann::json objects are std::maps
// (sorted keys), so the order survives dump and parse.
template <typename Fn>
void walk(nlohmann::json& j, Fn& fn) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (is_timing(it.key(), it.value()))
        fn(it.value());
      else
        walk(it.value(), fn);
    }
  } else if (j.is_array()) {
    for (auto& v : j) walk(v, fn);
  }
}

void put_varint(std::string& out, std::int64_t v) {
  auto z = (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
  do {
    auto byte = static_cast<unsigned char>(z & 0x7f);
    z >>= 7;
    out.push_back(static_cast<char>(z ? byte | 0x80 : byte));
  } while (z);
}

}  // namespace

std::string split_timings(nlohmann::json& evidence) {
  std::string out;
  auto take = [&](nlohmann::json& v) {
    put_varint(out, v.is_number_unsigned() ? static_cast<std::int64_t>(v.get<std::uint64_t>())
                                           : v.get<std::int64_t>());
    v = 0;
  };
  walk(evidence, take);
  return out;
}

bool merge_timings(nlohmann::json& evidence, const unsigned char* blob, std::size_t n) {
  std::vector<std::int64_t> values;
  for (std::size_t i = 0; i < n;) {
    std::uint64_t z = 0;
    int shift = 0;
    while (true) {
      if (i >= n || shift > 63) return false;
      const unsigned char b = blob[i++];
      z |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    values.push_back(static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1)));
  }
  std::size_t slots = 0;
  auto count = [&](nlohmann::json&) { ++slots; };
  walk(evidence, count);
  if (slots != values.size()) return false;
  std::size_t next = 0;
  auto put = [&](nlohmann::json& v) { v = values[next++]; };
  walk(evidence, put);
  return true;
}

}  // namespace netvigil
