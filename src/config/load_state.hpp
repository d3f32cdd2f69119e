// What a config load accumulates across catalogs: ids seen, references still to resolve.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/config_error.hpp"

namespace netvigil {

/// A reference by name to a catalog prefix list, resolved once every catalog is loaded.
struct PrefixListRef {
  Reporter reporter;
  YAML::Mark mark;
  std::string name;
};

/// Shared by the config and every catalog it loads.
struct LoadState {
  const Config* config = nullptr;          ///< resolvers and schedule, parsed before catalogs
  std::map<std::string, std::string> ids;  ///< probe/service/fingerprint id → "file:line:col"
  std::map<std::string, std::string> prefix_list_names;  ///< name → "file:line:col"
  std::vector<PrefixListRef> prefix_refs;

  /// Register `id` (read from `node`); report a duplicate with where it was first defined.
  bool claim_id(const std::string& id, const YAML::Node& node, Reporter& r);
};

}  // namespace netvigil
