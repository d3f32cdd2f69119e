// One probe mapping from a catalog (a plain probe or a service endpoint) → a checked ProbeSpec.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

#include "config/config.hpp"
#include "config/config_error.hpp"
#include "config/load_state.hpp"

namespace netvigil {

/// Set when the probe is a service endpoint: what it inherits from its service and check.
struct EndpointOf {
  std::string service;
  std::string check;
  Group group = Group::international;
  std::string source;
};

/// Read and validate one probe entry. Returns nullopt when it has errors (all reported).
/// Plain probes need `group` and `source`; endpoints inherit them when absent.
std::optional<ProbeSpec> read_probe(const YAML::Node& node, Reporter& r, LoadState& state,
                                    const EndpointOf* endpoint_of);

/// Read a `group:` value.
std::optional<Group> read_group(const YAML::Node& n, Reporter& r);

/// Read a `source:` value: an http(s) URL of the public page the entry comes from.
std::optional<std::string> read_source(const YAML::Node& n, Reporter& r);

}  // namespace netvigil
