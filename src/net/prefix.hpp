// IPv4/IPv6 addresses and CIDR prefixes: parsing and membership, for bogon and block-page checks.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace netvigil {

/// An IP address, v4 stored as v4-mapped v6 internally so one comparison serves both.
struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  bool v4 = false;

  static std::optional<IpAddress> parse(std::string_view text);
  std::string to_string() const;
  bool operator==(const IpAddress&) const = default;
};

/// A CIDR prefix ("10.0.0.0/8", "2001:db8::/32"); a bare address is a /32 or /128.
struct Prefix {
  IpAddress base;
  int length = 0;  ///< in the address's own family (0..32 for v4, 0..128 for v6)

  static std::optional<Prefix> parse(std::string_view text);
  bool contains(const IpAddress& a) const noexcept;
  std::string to_string() const;
};

/// The default bogon list (REFERENCE.md): addresses a public name must never resolve to.
const std::array<std::string_view, 19>& default_bogons();

}  // namespace netvigil
