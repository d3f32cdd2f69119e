// The long-running measuring daemon.
#pragma once

#include <string>

#include "config/config.hpp"

namespace netvigil {

/// The daemon: measure on schedule, record, detect, serve metrics, until SIGTERM/SIGINT
/// (flush, exit 0). SIGHUP reloads `config_path` ("" = the embedded default); a bad new
/// config is refused with its errors logged and the old one kept.
int run_daemon(Config config, const std::string& config_path);

}  // namespace netvigil
