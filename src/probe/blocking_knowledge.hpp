// What counts as tampering: bogon ranges, block-page addresses, fingerprints, expected prefixes.
#pragma once

#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "net/prefix.hpp"

namespace netvigil {

/// Built once per config load from the catalogs and the config's overrides. Read-only after.
class BlockingKnowledge {
 public:
  static BlockingKnowledge from(const Config& config);

  /// In the default bogon list and not declared ordinary by config (the lab's doc ranges).
  bool is_bogon(const IpAddress& a) const;
  /// A known block-page address (catalogs' blockpage_addresses + config's blockpage_extra).
  /// Checked before the ordinary override: the lab's stand-in sits in an ordinary range.
  bool is_blockpage(const IpAddress& a) const;
  /// A catalog's named prefix list, or nullptr.
  const PrefixList* prefix_list(std::string_view name) const;
  const std::vector<Fingerprint>& fingerprints() const { return fingerprints_; }

 private:
  std::vector<Prefix> bogons_;
  std::vector<Prefix> ordinary_;
  std::vector<Prefix> blockpage_;
  std::vector<PrefixList> prefix_lists_;
  std::vector<Fingerprint> fingerprints_;
};

}  // namespace netvigil
