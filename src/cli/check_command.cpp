// netvigil check: validate config and catalogs; exit 0 or 78 with file:line:col lines.
#include <iostream>
#include <memory>

#include "cli/command_set.hpp"
#include "cli/config_choice.hpp"

namespace netvigil {

void register_check(CLI::App& app, CommandSet& set) {
  auto config = std::make_shared<std::string>();
  auto* sub = app.add_subcommand("check", "Validate the config and every catalog it loads");
  sub->add_option("-c,--config", *config, "config file (default /etc/netvigil/netvigil.yaml, else embedded)");
  set.add(sub, [config] {
    auto cfg = load_or_report(*config);
    if (!cfg) return kExitConfig;
    std::size_t probes = 0, services = 0;
    for (const auto& c : cfg->catalogs) {
      probes += c.probes.size();
      services += c.services.size();
    }
    std::cout << "ok: " << (cfg->path.empty() ? "embedded default" : cfg->path) << ": "
              << cfg->catalogs.size() << " catalogs, " << probes << " probes, " << services
              << " services\n";
    return 0;
  });
}

}  // namespace netvigil
