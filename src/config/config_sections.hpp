// The sections of the config file other than `catalogs:`.
#pragma once

#include "config/config.hpp"
#include "config/config_error.hpp"
#include "config/yaml_map.hpp"

namespace netvigil {

/// Read vantage, database, http, resolvers, ca_file, schedule, retention, detector, bogons,
/// blockpage_addresses and signing_key from the top-level mapping into `c` (defaults stay
/// where a key is absent). The system resolver is always present; a `system` entry in
/// `resolvers:` only changes its transports.
void read_config_sections(YamlMap& top, Config& c, Reporter& r);

}  // namespace netvigil
