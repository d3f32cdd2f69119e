// Subcommand dispatch with CLI11.
#include "cli/commands.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

namespace netvigil {

int cli_main(int argc, char** argv) {
  CLI::App app{"netvigil: watches for Internet shutdowns from inside the network"};
  app.set_version_flag("--version", std::string("netvigil ") + NETVIGIL_VERSION);
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return 0;
}

}  // namespace netvigil
