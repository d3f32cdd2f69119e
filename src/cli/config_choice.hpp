// Which config a command uses: -c FILE, else /etc/netvigil/netvigil.yaml, else the embedded one.
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"

namespace netvigil {

inline constexpr int kExitConfig = 78;  ///< EX_CONFIG (sysexits.h)
inline constexpr const char* kDefaultConfigPath = "/etc/netvigil/netvigil.yaml";

/// The path to load: `flag` when given, the packaged path when it exists, "" (embedded) else.
std::string choose_config_path(const std::string& flag);

/// Load and validate; on errors print every `file:line:col: message` line to stderr and
/// return nullopt (the caller exits 78).
std::optional<Config> load_or_report(const std::string& flag);

}  // namespace netvigil
