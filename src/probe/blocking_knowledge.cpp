// BlockingKnowledge: the default bogon list, config overrides and every catalog's block-page
// addresses, fingerprints and prefix lists, merged once per config load.
#include "probe/blocking_knowledge.hpp"

#include <algorithm>

namespace netvigil {
namespace {

// An IPv4-mapped IPv6 answer (::ffff:10.10.34.34) is checked as the IPv4 address it names,
// so an AAAA record cannot smuggle a v4 bogon or block page past the v4 prefixes.
IpAddress as_v4_if_mapped(IpAddress a) {
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!a.v4 && std::equal(std::begin(kMapped), std::end(kMapped), a.bytes.begin())) a.v4 = true;
  return a;
}

bool any_contains(const std::vector<Prefix>& list, const IpAddress& address) {
  const IpAddress a = as_v4_if_mapped(address);
  return std::any_of(list.begin(), list.end(), [&](const Prefix& p) { return p.contains(a); });
}

}  // namespace

BlockingKnowledge BlockingKnowledge::from(const Config& config) {
  BlockingKnowledge k;
  for (auto text : default_bogons())
    if (auto p = Prefix::parse(text)) k.bogons_.push_back(*p);
  k.ordinary_ = config.bogon_ordinary;
  for (const auto& catalog : config.catalogs) {
    k.blockpage_.insert(k.blockpage_.end(), catalog.blockpage_addresses.begin(),
                        catalog.blockpage_addresses.end());
    k.fingerprints_.insert(k.fingerprints_.end(), catalog.fingerprints.begin(),
                           catalog.fingerprints.end());
    for (const auto& list : catalog.prefix_lists) {
      // Two catalogs naming the same list extend it rather than shadow each other.
      auto it = std::find_if(k.prefix_lists_.begin(), k.prefix_lists_.end(),
                             [&](const PrefixList& l) { return l.name == list.name; });
      if (it == k.prefix_lists_.end()) {
        k.prefix_lists_.push_back(list);
      } else {
        it->prefixes.insert(it->prefixes.end(), list.prefixes.begin(), list.prefixes.end());
        if (list.reviewed > it->reviewed) it->reviewed = list.reviewed;
      }
    }
  }
  k.blockpage_.insert(k.blockpage_.end(), config.blockpage_extra.begin(),
                      config.blockpage_extra.end());
  return k;
}

bool BlockingKnowledge::is_bogon(const IpAddress& a) const {
  return any_contains(bogons_, a) && !any_contains(ordinary_, a);
}

bool BlockingKnowledge::is_blockpage(const IpAddress& a) const {
  return any_contains(blockpage_, a);
}

const PrefixList* BlockingKnowledge::prefix_list(std::string_view name) const {
  for (const auto& l : prefix_lists_)
    if (l.name == name) return &l;
  return nullptr;
}

}  // namespace netvigil
