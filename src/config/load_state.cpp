// Ids are one namespace across every catalog of a config.
#include "config/load_state.hpp"

namespace netvigil {

bool LoadState::claim_id(const std::string& id, const YAML::Node& node, Reporter& r) {
  auto [it, inserted] = ids.emplace(id, r.where(node.Mark()));
  if (inserted) return true;
  r.error(node, "id: duplicate id \"" + id + "\" (first defined at " + it->second + ")");
  return false;
}

}  // namespace netvigil
