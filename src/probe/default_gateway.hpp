// The own link: default gateway from /proc/net/route and /proc/net/ipv6_route, carrier state
// from /sys/class/net. Paths are parameters so tests read fixtures.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "net/prefix.hpp"

namespace netvigil {

/// Where the local-link facts are read from.
struct LinkPaths {
  std::string route = "/proc/net/route";
  std::string ipv6_route = "/proc/net/ipv6_route";
  std::string sys_class_net = "/sys/class/net";
};

/// A default route with a next hop.
struct DefaultGateway {
  std::string interface;
  IpAddress address;
  std::uint32_t metric = 0;
};

/// The IPv4 default route (destination and mask 0, flags UP|GATEWAY) with the lowest metric.
std::optional<DefaultGateway> read_default_gateway_v4(const std::string& route_path);
/// The IPv6 default route (::/0, UP, non-zero next hop) with the lowest metric.
std::optional<DefaultGateway> read_default_gateway_v6(const std::string& ipv6_route_path);
/// /sys/class/net/<interface>/carrier: true/false, nullopt when unreadable (interface down).
std::optional<bool> read_carrier(const std::string& sys_class_net, const std::string& interface);
/// Carrier of every interface under sys_class_net except loopback.
std::map<std::string, std::optional<bool>> read_all_carriers(const std::string& sys_class_net);

}  // namespace netvigil
