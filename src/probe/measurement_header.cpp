// The fields every measurement carries, taken from its spec.
#include "probe/probe.hpp"

namespace netvigil {

Measurement start_measurement(const ProbeSpec& spec, const Clock& clock) {
  Measurement m;
  m.probe_id = spec.id;
  m.kind = spec.kind;
  m.group = spec.group;
  m.service = spec.service;
  m.started_unix_ms = clock.unix_ms();
  m.evidence = nlohmann::json::object();
  return m;
}

}  // namespace netvigil
