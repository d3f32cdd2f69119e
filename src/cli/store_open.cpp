// Read-only store access for CLI commands.
#include "cli/store_open.hpp"

#include <unistd.h>

#include <iostream>

namespace netvigil {

std::unique_ptr<StoreReader> open_record(const Config& config) {
  if (access(config.database.c_str(), R_OK) != 0) {
    std::cerr << "netvigil: no record at " << config.database
              << " (has the daemon run with this config?)\n";
    return nullptr;
  }
  try {
    return std::make_unique<StoreReader>(config.database);
  } catch (const std::exception& e) {
    std::cerr << "netvigil: cannot read " << config.database << ": " << e.what() << '\n';
    return nullptr;
  }
}

}  // namespace netvigil
