// The closed vocabularies shared by probes, store, detector, metrics and exports.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace netvigil {

/// Probe kinds as named in catalogs (`kind:`). Stored as the integer value: append only.
enum class ProbeKind : std::uint8_t { dns = 0, tcp = 1, tls = 2, http = 3, service = 4, throughput = 5 };

/// Vantage-relative groups: own link, ISP, domestic anchors, international anchors. Append only.
enum class Group : std::uint8_t { local = 0, isp = 1, domestic = 2, international = 3 };

/// Interference methods, one vocabulary in events, metrics and exports. Append only.
enum class Method : std::uint8_t { none = 0, dns = 1, tcp_ip = 2, tls = 3, http_blockpage = 4, http_failure = 5 };

/// The operation that failed (OONI's "failed_operation"). Append only.
enum class Operation : std::uint8_t {
  none = 0, resolve = 1, connect = 2, tls_handshake = 3, http_round_trip = 4, read = 5
};

std::string_view to_string(ProbeKind k) noexcept;
std::string_view to_string(Group g) noexcept;
std::string_view to_string(Method m) noexcept;
std::string_view to_string(Operation o) noexcept;

std::optional<ProbeKind> probe_kind_from(std::string_view s) noexcept;
std::optional<Group> group_from(std::string_view s) noexcept;
std::optional<Method> method_from(std::string_view s) noexcept;
std::optional<Operation> operation_from(std::string_view s) noexcept;

inline constexpr int kGroupCount = 4;
inline constexpr int kMethodCount = 6;

}  // namespace netvigil
