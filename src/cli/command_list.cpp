// The one list of commands.
#include "cli/command_set.hpp"

namespace netvigil {

void register_commands(CLI::App& app, CommandSet& set) {
  register_run(app, set);
  register_check(app, set);
  register_status(app, set);
  register_events(app, set);
  register_timeline(app, set);
  register_detect(app, set);
  register_export(app, set);
  register_verify(app, set);
  register_keygen(app, set);
}

}  // namespace netvigil
