// Loading the config file and every catalog it names: defaults applied, everything validated.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/config_error.hpp"

namespace netvigil {

/// A loaded config, or every error found (never both).
struct LoadResult {
  std::optional<Config> config;
  std::vector<ConfigError> errors;
  bool ok() const { return config.has_value(); }
};

/// Files larger than this are refused before reading (config and catalogs alike). yaml-cpp
/// holds ~70x a file's size while parsing (a 4 MiB catalog of ~30,000 probes peaks near
/// 300 MB), so the bound is what a small machine can parse, far above real catalogs.
inline constexpr std::size_t kMaxConfigFileBytes = 4u << 20;

/// Load `path` ("" = the embedded default config, reported as "embedded:default") and the
/// catalogs it lists. Relative catalog paths are relative to the config file's directory.
/// Errors are sorted by file and position; the CLI prints them and exits 78.
LoadResult load_config(const std::string& path);

/// Load config `text` as if read from `name`, resolving relative catalogs against `base_dir`.
LoadResult load_config_text(std::string_view text, const std::string& name,
                            const std::string& base_dir);

}  // namespace netvigil
