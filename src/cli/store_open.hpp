// Opening the record for the read-only commands, with a clear message when there is none.
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"
#include "store/store_reader.hpp"

namespace netvigil {

/// The config's database opened read-only, or null after printing why (no database yet:
/// "has the daemon run?").
std::unique_ptr<StoreReader> open_record(const Config& config);

}  // namespace netvigil
