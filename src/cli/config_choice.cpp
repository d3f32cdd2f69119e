// Config selection and error reporting shared by every command.
#include "cli/config_choice.hpp"

#include <unistd.h>

#include <iostream>

#include "config/config_loader.hpp"

namespace netvigil {

std::string choose_config_path(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (access(kDefaultConfigPath, F_OK) == 0) return kDefaultConfigPath;
  return "";
}

std::optional<Config> load_or_report(const std::string& flag) {
  LoadResult r = load_config(choose_config_path(flag));
  if (r.ok()) return std::move(r.config);
  for (const auto& e : r.errors) std::cerr << e.to_string() << '\n';
  return std::nullopt;
}

}  // namespace netvigil
