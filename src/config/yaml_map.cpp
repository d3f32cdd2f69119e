// Checked YAML readers shared by the config and catalog loaders.
#include "config/yaml_map.hpp"

#include <algorithm>
#include <charconv>

#include "config/text_checks.hpp"

namespace netvigil {
namespace {

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

std::string prefixed(std::string_view key, std::string_view msg) {
  return std::string(key) + ": " + std::string(msg);
}

bool host_bits_zero(const Prefix& p) {
  const int offset = p.base.v4 ? 96 : 0;
  const int bits = offset + p.length;
  for (int i = bits; i < 128; ++i) {
    const auto byte = p.base.bytes[static_cast<std::size_t>(i / 8)];
    if ((byte >> (7 - i % 8)) & 1) return false;
  }
  return true;
}

}  // namespace

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Scalar:
      return quoted(node.Scalar());
    default:
      return "nothing";
  }
}

YamlMap::YamlMap(const YAML::Node& node, Reporter& reporter, std::string context)
    : node_(node), reporter_(&reporter), context_(std::move(context)) {
  if (!node.IsMap()) {
    reporter.error(node, (context_.empty() ? std::string("expected a mapping")
                                           : prefixed(context_, "expected a mapping")) +
                             ", found " + describe(node));
    return;
  }
  valid_ = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) {
      reporter.error(it->first, "keys must be plain strings");
      continue;
    }
    const std::string key = it->first.Scalar();
    const bool dup = std::any_of(entries_.begin(), entries_.end(),
                                 [&](const auto& e) { return e.first == key; });
    if (dup) {
      reporter.error(it->first, "duplicate key " + quoted(key));
      continue;
    }
    entries_.emplace_back(key, it->second);
    key_marks_.push_back(it->first.Mark());
  }
}

std::optional<YAML::Node> YamlMap::get(std::string_view key) {
  known_.emplace_back(key);
  for (const auto& [k, v] : entries_)
    if (k == key) return v;
  return std::nullopt;
}

std::optional<YAML::Node> YamlMap::require(std::string_view key) {
  auto v = get(key);
  if (!v && valid_) {
    reporter_->error(
        node_, "missing required key " + quoted(key) + (context_.empty() ? "" : " in " + context_));
  }
  return v;
}

YAML::Mark YamlMap::key_mark(std::string_view key) const {
  for (std::size_t i = 0; i < entries_.size(); ++i)
    if (entries_[i].first == key) return key_marks_[i];
  return node_.Mark();
}

void YamlMap::finish() {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const auto& key = entries_[i].first;
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    std::string msg = "unknown key " + quoted(key);
    if (!context_.empty()) msg += " in " + context_;
    const auto guess = closest_match(key, known_);
    if (!guess.empty()) msg += " (did you mean " + quoted(guess) + "?)";
    reporter_->error(key_marks_[i], std::move(msg));
  }
}

std::optional<std::string> read_string(const YAML::Node& n, std::string_view key, Reporter& r) {
  if (!n.IsScalar()) {
    r.error(n, prefixed(key, "expected a string, found " + describe(n)));
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<std::string> read_nonempty(const YAML::Node& n, std::string_view key, Reporter& r) {
  auto s = read_string(n, key, r);
  if (s && s->empty()) {
    r.error(n, prefixed(key, "must not be empty"));
    return std::nullopt;
  }
  return s;
}

std::optional<bool> read_bool(const YAML::Node& n, std::string_view key, Reporter& r) {
  if (n.IsScalar() && n.Scalar() == "true") return true;
  if (n.IsScalar() && n.Scalar() == "false") return false;
  r.error(n, prefixed(key, "expected true or false, found " + describe(n)));
  return std::nullopt;
}

std::optional<std::int64_t> read_int(const YAML::Node& n, std::string_view key, Reporter& r,
                                     std::int64_t min, std::int64_t max) {
  const std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!n.IsScalar()) {
    r.error(n, prefixed(key, "expected " + range + ", found " + describe(n)));
    return std::nullopt;
  }
  const std::string& s = n.Scalar();
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size() || v < min || v > max) {
    r.error(n, prefixed(key, "expected " + range + ", found " + describe(n)));
    return std::nullopt;
  }
  return v;
}

std::optional<std::chrono::milliseconds> read_duration(const YAML::Node& n, std::string_view key,
                                                       Reporter& r, std::chrono::milliseconds min,
                                                       std::chrono::milliseconds max) {
  std::optional<std::chrono::milliseconds> d;
  if (n.IsScalar()) d = parse_duration(n.Scalar());
  if (!d) {
    r.error(n, prefixed(key, "expected a duration such as 500ms, 10s, 5m, 1h or 7d, found " +
                                 describe(n)));
    return std::nullopt;
  }
  if (*d < min || *d > max) {
    r.error(n, prefixed(key, "duration " + n.Scalar() + " out of range (" + format_duration(min) +
                                 " to " + format_duration(max) + ")"));
    return std::nullopt;
  }
  return d;
}

std::optional<Prefix> read_prefix(const YAML::Node& n, std::string_view key, Reporter& r) {
  auto s = read_string(n, key, r);
  if (!s) return std::nullopt;
  auto p = Prefix::parse(*s);
  if (!p) {
    r.error(n, prefixed(key, "not an address or CIDR prefix: " + quoted(*s)));
    return std::nullopt;
  }
  if (!host_bits_zero(*p)) {
    r.error(n, prefixed(key, "prefix " + quoted(*s) + " has host bits set"));
    return std::nullopt;
  }
  return p;
}

std::vector<YAML::Node> read_list(const YAML::Node& n, std::string_view key, Reporter& r) {
  std::vector<YAML::Node> items;
  if (!n.IsSequence()) {
    r.error(n, prefixed(key, "expected a list, found " + describe(n)));
    return items;
  }
  for (const auto& item : n) items.push_back(item);
  return items;
}

std::vector<Prefix> read_prefix_list(const YAML::Node& n, std::string_view key, Reporter& r) {
  std::vector<Prefix> out;
  for (const auto& item : read_list(n, key, r))
    if (auto p = read_prefix(item, key, r)) out.push_back(*p);
  return out;
}

std::optional<std::string> read_slug(const YAML::Node& n, std::string_view key, Reporter& r) {
  auto s = read_string(n, key, r);
  if (!s) return std::nullopt;
  if (is_ip_literal(*s)) {
    r.error(n, prefixed(key, quoted(*s) + " is an IP address; ids must be names, never addresses"));
    return std::nullopt;
  }
  if (!is_slug(*s)) {
    r.error(n, prefixed(key, quoted(*s) + " is not a slug ([a-z0-9][a-z0-9._-]{0,63})"));
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> read_date(const YAML::Node& n, std::string_view key, Reporter& r) {
  auto s = read_string(n, key, r);
  if (s && !is_date(*s)) {
    r.error(n, prefixed(key, "expected a date YYYY-MM-DD, found " + quoted(*s)));
    return std::nullopt;
  }
  return s;
}

}  // namespace netvigil
