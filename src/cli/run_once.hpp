// netvigil run --once: one sweep of every probe, printed.
#pragma once

#include <ostream>

#include "config/config.hpp"

namespace netvigil {

/// One sweep of every probe and service, printed as JSON lines (`json`, as they arrive) or,
/// at the end, as a table sorted by group. Touches no database. Returns 0 whatever the
/// probes found.
int run_once(Config config, std::ostream& out, bool json, bool colour);

}  // namespace netvigil
