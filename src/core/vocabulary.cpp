// Names of the shared vocabularies.
#include "core/vocabulary.hpp"

#include <array>

namespace netvigil {
namespace {

constexpr std::array<std::string_view, 6> kKinds{"dns", "tcp", "tls", "http", "service", "throughput"};
constexpr std::array<std::string_view, 4> kGroups{"local", "isp", "domestic", "international"};
constexpr std::array<std::string_view, 6> kMethods{"none", "dns", "tcp_ip", "tls", "http_blockpage", "http_failure"};
constexpr std::array<std::string_view, 6> kOps{"", "resolve", "connect", "tls_handshake", "http_round_trip", "read"};

template <typename E, std::size_t N>
std::optional<E> lookup(const std::array<std::string_view, N>& names, std::string_view s) noexcept {
  for (std::size_t i = 0; i < N; ++i)
    if (!s.empty() && names[i] == s) return static_cast<E>(i);
  return std::nullopt;
}

template <std::size_t N>
std::string_view name_of(const std::array<std::string_view, N>& names, std::size_t i) noexcept {
  return i < N ? names[i] : std::string_view{"?"};
}

}  // namespace

std::string_view to_string(ProbeKind k) noexcept { return name_of(kKinds, static_cast<std::size_t>(k)); }
std::string_view to_string(Group g) noexcept { return name_of(kGroups, static_cast<std::size_t>(g)); }
std::string_view to_string(Method m) noexcept { return name_of(kMethods, static_cast<std::size_t>(m)); }
std::string_view to_string(Operation o) noexcept { return name_of(kOps, static_cast<std::size_t>(o)); }

std::optional<ProbeKind> probe_kind_from(std::string_view s) noexcept { return lookup<ProbeKind>(kKinds, s); }
std::optional<Group> group_from(std::string_view s) noexcept { return lookup<Group>(kGroups, s); }
std::optional<Method> method_from(std::string_view s) noexcept { return lookup<Method>(kMethods, s); }
std::optional<Operation> operation_from(std::string_view s) noexcept { return lookup<Operation>(kOps, s); }

}  // namespace netvigil
