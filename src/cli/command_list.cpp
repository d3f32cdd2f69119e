// The one list of commands.
#include "cli/command_set.hpp"

namespace netvigil {

void register_commands(CLI::App& app, CommandSet& set) {
  register_run(app, set);
  register_check(app, set);
}

}  // namespace netvigil
