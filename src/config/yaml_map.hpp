// Typed, checked reading of YAML nodes: every mistake becomes a positioned ConfigError.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config_error.hpp"
#include "net/prefix.hpp"

namespace netvigil {

/// A mapping read key by key. Keys never asked for are reported by finish() as unknown,
/// with a "did you mean" from the keys that were asked for; duplicate keys are reported
/// on construction (yaml-cpp keeps both, silently using the first).
class YamlMap {
 public:
  /// `context` names the mapping in messages ("" for the top level, "schedule", ...).
  YamlMap(const YAML::Node& node, Reporter& reporter, std::string context);

  /// False when the node is not a mapping (already reported).
  bool valid() const { return valid_; }
  /// The value under `key`, if present. Records `key` as known.
  std::optional<YAML::Node> get(std::string_view key);
  /// Like get(), but a missing key is reported at the mapping's position.
  std::optional<YAML::Node> require(std::string_view key);
  /// The mark of `key` itself, for messages about the key (not its value).
  YAML::Mark key_mark(std::string_view key) const;
  const YAML::Node& node() const { return node_; }
  /// Report every key that no get()/require() asked for.
  void finish();

 private:
  YAML::Node node_;
  Reporter* reporter_;
  std::string context_;
  bool valid_ = false;
  std::vector<std::pair<std::string, YAML::Node>> entries_;  ///< key → value, file order
  std::vector<YAML::Mark> key_marks_;
  std::vector<std::string> known_;
};

/// A short description of what a node is, for "expected X, found Y".
std::string describe(const YAML::Node& node);

std::optional<std::string> read_string(const YAML::Node& n, std::string_view key, Reporter& r);
/// A non-empty string.
std::optional<std::string> read_nonempty(const YAML::Node& n, std::string_view key, Reporter& r);
/// Only `true` or `false`.
std::optional<bool> read_bool(const YAML::Node& n, std::string_view key, Reporter& r);
/// A decimal integer in [min, max].
std::optional<std::int64_t> read_int(const YAML::Node& n, std::string_view key, Reporter& r,
                                     std::int64_t min, std::int64_t max);
/// A duration string in [min, max].
std::optional<std::chrono::milliseconds> read_duration(const YAML::Node& n, std::string_view key,
                                                       Reporter& r, std::chrono::milliseconds min,
                                                       std::chrono::milliseconds max);
/// A CIDR prefix or bare address whose host bits are zero.
std::optional<Prefix> read_prefix(const YAML::Node& n, std::string_view key, Reporter& r);
/// A YAML list; returns its items (an empty vector after reporting a non-list).
std::vector<YAML::Node> read_list(const YAML::Node& n, std::string_view key, Reporter& r);
/// A list of prefixes; bad items are reported and skipped.
std::vector<Prefix> read_prefix_list(const YAML::Node& n, std::string_view key, Reporter& r);
/// A slug (see is_slug), with a message saying why not.
std::optional<std::string> read_slug(const YAML::Node& n, std::string_view key, Reporter& r);
/// A "YYYY-MM-DD" date.
std::optional<std::string> read_date(const YAML::Node& n, std::string_view key, Reporter& r);

}  // namespace netvigil
