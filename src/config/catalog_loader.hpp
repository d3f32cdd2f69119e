// A catalog document (probes, services, fingerprints, block-page addresses, prefix lists).
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/config_error.hpp"
#include "config/load_state.hpp"

namespace netvigil {

/// Parse and validate catalog `text`; errors are reported against `r.file()`. Service
/// endpoints are flattened into Catalog::probes. Cross-catalog checks (duplicate ids,
/// prefix-list references) go through `state`.
Catalog load_catalog_text(std::string_view text, Reporter& r, LoadState& state);

}  // namespace netvigil
