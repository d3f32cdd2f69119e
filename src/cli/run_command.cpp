// netvigil run: the daemon in the foreground, or --once: one sweep printed as a table/JSON.
#include <malloc.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include "cli/command_set.hpp"
#include "cli/config_choice.hpp"
#include "cli/run_once.hpp"
#include "cli/terminal_table.hpp"
#include "daemon/daemon.hpp"

namespace netvigil {

void register_run(CLI::App& app, CommandSet& set) {
  struct Opts {
    std::string config;
    bool once = false;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* sub =
      app.add_subcommand("run", "Run the measuring daemon in the foreground (systemd Type=notify)");
  sub->add_option("-c,--config", o->config,
                  "config file (default /etc/netvigil/netvigil.yaml, else embedded)");
  sub->add_flag("--once", o->once,
                "one sweep of every probe, printed; exit 0 whatever the probes found");
  sub->add_flag("--json", o->json, "with --once: one JSON object per line instead of a table");
  set.add(sub, [o] {
    auto cfg = load_or_report(o->config);
    if (!cfg) return kExitConfig;
    // The YAML parser's peak (84 MB for 10,000 probes) is freed but glibc keeps the pages;
    // give them back before measuring for months.
    malloc_trim(0);
    if (o->once) return run_once(std::move(*cfg), std::cout, o->json, use_colour(STDOUT_FILENO));
    // SIGHUP reloads the same file the daemon started with (or the embedded default).
    return run_daemon(std::move(*cfg), choose_config_path(o->config));
  });
}

}  // namespace netvigil
