// Subcommand dispatch with CLI11: one function per command, in cli/*_command.cpp.
#include "cli/commands.hpp"

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "cli/command_set.hpp"

namespace netvigil {

int cli_main(int argc, char** argv) {
  // A peer closing a socket (or a closed stdout pipe) is data or the reader's choice,
  // never a reason to die.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"netvigil watches for Internet shutdowns from inside the network being shut down.\n"
               "Every command reads or writes the local SQLite record; nothing leaves the machine."};
  app.set_version_flag("--version", std::string("netvigil ") + NETVIGIL_VERSION);
  app.require_subcommand(1);
  CommandSet commands;
  register_commands(app, commands);
  auto* help = app.add_subcommand("help", "Show help for a command: netvigil help CMD");
  std::string topic;
  help->add_option("command", topic, "command to explain");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (help->parsed()) {
    if (topic.empty()) {
      std::cout << app.help();
      return 0;
    }
    try {
      std::cout << app.get_subcommand(topic)->help();
      return 0;
    } catch (const CLI::OptionNotFound&) {
      std::cerr << "netvigil: no such command: " << topic << '\n';
      return 64;
    }
  }
  return commands.run_parsed();
}

}  // namespace netvigil
