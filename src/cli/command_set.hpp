// The registry of subcommands: each registers its options and a function to run.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <vector>

namespace netvigil {

/// Holds each command's parsed options (captured by its lambdas) and the runner of the one
/// that was chosen.
class CommandSet {
 public:
  /// Add `sub`, to run `fn` when parsed.
  void add(CLI::App* sub, std::function<int()> fn) { entries_.push_back({sub, std::move(fn)}); }
  /// Run the parsed command; 64 (EX_USAGE) when none was.
  int run_parsed() const {
    for (const auto& e : entries_)
      if (e.sub->parsed()) return e.fn();
    return 64;
  }

 private:
  struct Entry {
    CLI::App* sub;
    std::function<int()> fn;
  };
  std::vector<Entry> entries_;
};

/// Register every command (run, check, status, events, timeline, export, verify, keygen,
/// detect) on `app`.
void register_commands(CLI::App& app, CommandSet& set);

// One per command file.
void register_run(CLI::App& app, CommandSet& set);
void register_check(CLI::App& app, CommandSet& set);
void register_status(CLI::App& app, CommandSet& set);
void register_events(CLI::App& app, CommandSet& set);
void register_timeline(CLI::App& app, CommandSet& set);
void register_detect(CLI::App& app, CommandSet& set);
void register_export(CLI::App& app, CommandSet& set);
void register_verify(CLI::App& app, CommandSet& set);
void register_keygen(CLI::App& app, CommandSet& set);

}  // namespace netvigil
