// The git-style command line: run, check, status, events, timeline, export, verify, detect.
#pragma once

namespace netvigil {

/// Parse argv, run the subcommand, return the process exit code (78 for bad config).
int cli_main(int argc, char** argv);

}  // namespace netvigil
