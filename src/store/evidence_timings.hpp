// Per-run timings split out of evidence JSON, so evidence that differs only in them is stored
// once (deduplicated by hash) and the timings travel in the row as a few varint bytes.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace netvigil {

/// Moves every integer member whose key ends in "_us" (at any depth, in document order:
/// object keys sorted, arrays in order) out of `evidence` into zigzag LEB128 varints, and
/// leaves 0 in its place. Returns the varints; "" when there was none.
std::string split_timings(nlohmann::json& evidence);

/// Inverse of split_timings on the stored (placeholder) evidence: puts the values back in the
/// same order. Returns false, leaving `evidence` as stored, when the blob does not match it.
bool merge_timings(nlohmann::json& evidence, const unsigned char* blob, std::size_t n);

}  // namespace netvigil
