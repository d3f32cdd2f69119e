// Lookup of compiled-in catalogs, and the embedded default config.
#include "config/embedded_catalogs.hpp"

namespace netvigil {

std::optional<std::string_view> embedded_catalog(std::string_view name) {
  for (const auto& c : embedded_catalogs())
    if (c.name == name) return c.text;
  return std::nullopt;
}

std::string_view embedded_default_config_text() {
  // Used when no -c is given and /etc/netvigil/netvigil.yaml does not exist: a bare binary
  // measures the global and messenger packs through the system resolver, writes under ./var/
  // and serves metrics on loopback only. Country packs (embedded:iran) are opt-in: their
  // domestic anchors only mean something from inside that country.
  static constexpr std::string_view text = R"yaml(# netvigil embedded default configuration
vantage:
  id: default
database: ./var/netvigil.db
http:
  listen: 127.0.0.1:9567
resolvers:
  - name: system
    transports: [udp]
catalogs:
  - embedded:global
  - embedded:messengers
schedule:
  interval: 60s
  jitter: 5s
  timeout: 10s
  max_in_flight: 64
retention:
  raw: 30d
  rollups: 3650d
)yaml";
  return text;
}

}  // namespace netvigil
