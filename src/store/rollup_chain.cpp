// Canonical step bytes and SHA-256 (OpenSSL EVP) for the rollup hash chain.
#include "store/rollup_chain.hpp"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace netvigil {
namespace {

void put_be(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

// Layout (all integers big-endian, two's complement):
//   "NVC1" | step_start i64 | step_s i32 | row count u32 | per row:
//   scope length u16 | scope bytes | attempts u32 | successes u32 | 6 × failures u32 |
//   throughput_bps i64 (-1 none) | rtt_us i32 (-1 none)
std::string chain_step_bytes(const RollupStep& step) {
  std::string out = "NVC1";
  put_be(out, static_cast<std::uint64_t>(step.step_start), 8);
  put_be(out, static_cast<std::uint32_t>(step.step_s), 4);
  put_be(out, static_cast<std::uint32_t>(step.rollups.size()), 4);
  for (const auto& r : step.rollups) {
    put_be(out, r.scope.size() & 0xffff, 2);
    out.append(r.scope, 0, r.scope.size() & 0xffff);
    put_be(out, r.attempts, 4);
    put_be(out, r.successes, 4);
    for (auto f : r.failures_by_method) put_be(out, f, 4);
    put_be(out, static_cast<std::uint64_t>(r.throughput_bps), 8);
    put_be(out, static_cast<std::uint32_t>(r.rtt_us), 4);
  }
  return out;
}

Sha256 chain_hash(const Sha256& prev, const RollupStep& step) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::string bytes = chain_step_bytes(step);
  Sha256 out{};
  unsigned int n = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), prev.data(), prev.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out.data(), &n) != 1 || n != out.size())
    throw std::runtime_error("SHA-256 failed");
  return out;
}

Sha256 sha256(std::string_view bytes) {
  Sha256 out{};
  unsigned int n = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), out.data(), &n, EVP_sha256(), nullptr) != 1 ||
      n != out.size())
    throw std::runtime_error("SHA-256 failed");
  return out;
}

std::string to_hex(const Sha256& h) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (auto c : h) {
    s.push_back(kDigits[c >> 4]);
    s.push_back(kDigits[c & 15]);
  }
  return s;
}

std::string pack_failures(const std::array<std::uint32_t, kMethodCount>& f) {
  bool any = false;
  for (auto v : f) any = any || v != 0;
  std::string out;
  if (!any) return out;
  for (auto v : f) {
    do {
      auto byte = static_cast<unsigned char>(v & 0x7f);
      v >>= 7;
      out.push_back(static_cast<char>(v ? byte | 0x80 : byte));
    } while (v);
  }
  return out;
}

std::optional<std::array<std::uint32_t, kMethodCount>> unpack_failures(const unsigned char* p,
                                                                       std::size_t n) {
  std::array<std::uint32_t, kMethodCount> f{};
  if (n == 0) return f;
  std::size_t i = 0;
  for (auto& v : f) {
    std::uint64_t acc = 0;
    int shift = 0;
    while (true) {
      if (i >= n || shift > 28) return std::nullopt;
      unsigned char b = p[i++];
      acc |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    if (acc > 0xffffffffu) return std::nullopt;
    v = static_cast<std::uint32_t>(acc);
  }
  if (i != n) return std::nullopt;
  return f;
}

}  // namespace netvigil
