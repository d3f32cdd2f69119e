// netvigil: the one binary; subcommands live in cli/.
#include "cli/commands.hpp"

int main(int argc, char** argv) { return netvigil::cli_main(argc, argv); }
