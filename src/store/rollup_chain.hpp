// The rollup hash chain: canonical bytes of a closed step and the SHA-256 link between steps.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/rollup.hpp"

namespace netvigil {

using Sha256 = std::array<unsigned char, 32>;

/// One closed detector step: its start, length and the rollups of every scope that had
/// attempts (a step with none is a gap and is not stored).
struct RollupStep {
  std::int64_t step_start = 0;  ///< unix seconds
  std::int32_t step_s = 60;     ///< step length in seconds
  std::vector<Rollup> rollups;  ///< each with step_start equal to the step's
};

/// The canonical bytes hashed for a step (big-endian, fixed layout, documented in the .cpp).
/// `rollups` must be in stored order (ascending scope id); exports reproduce it from the reader.
std::string chain_step_bytes(const RollupStep& step);

/// hash = SHA-256(prev || chain_step_bytes(step)). The first step's prev is 32 zero bytes.
Sha256 chain_hash(const Sha256& prev, const RollupStep& step);

/// SHA-256 of arbitrary bytes (OpenSSL EVP).
Sha256 sha256(std::string_view bytes);

/// Lowercase hex of a hash.
std::string to_hex(const Sha256& h);

/// failures_by_method packed as 6 LEB128 varints; empty when every count is zero (stored NULL).
std::string pack_failures(const std::array<std::uint32_t, kMethodCount>& f);
/// Inverse of pack_failures; a malformed blob gives nullopt.
std::optional<std::array<std::uint32_t, kMethodCount>> unpack_failures(const unsigned char* p,
                                                                       std::size_t n);

}  // namespace netvigil
