// OONI failure names and the errno mapping.
#include "core/failure.hpp"

#include <array>
#include <cerrno>

#include "core/scrub.hpp"

namespace netvigil {
namespace {

constexpr std::array<std::string_view, 36> kNames{
    "",
    "unknown_failure",
    "generic_timeout_error",
    "connection_refused",
    "connection_reset",
    "connection_aborted",
    "eof_error",
    "host_unreachable",
    "network_unreachable",
    "network_down",
    "network_reset",
    "address_family_not_supported",
    "address_in_use",
    "address_not_available",
    "timed_out",
    "interrupted",
    "permission_denied",
    "dns_nxdomain_error",
    "dns_bogon_error",
    "dns_no_answer",
    "dns_refused_error",
    "dns_servfail_error",
    "dns_non_recoverable_failure",
    "dns_server_misbehaving",
    "dns_temporary_failure",
    "dns_reply_with_wrong_query_id",
    "ssl_failed_handshake",
    "ssl_invalid_certificate",
    "ssl_invalid_hostname",
    "ssl_unknown_authority",
    "message_size",
    "no_buffer_space",
    "not_connected",
    "protocol_not_supported",
    "invalid_argument",
    "operation_would_block",
};
static_assert(kNames.size() == static_cast<std::size_t>(Failure::operation_would_block) + 1);

}  // namespace

std::string_view to_string(Failure f) noexcept {
  const auto i = static_cast<std::size_t>(f);
  return i < kNames.size() ? kNames[i] : std::string_view{"unknown_failure"};
}

std::optional<Failure> failure_from(std::string_view code) noexcept {
  for (std::size_t i = 1; i < kNames.size(); ++i)
    if (kNames[i] == code) return static_cast<Failure>(i);
  return std::nullopt;
}

std::string FailureInfo::ooni_string() const {
  if (code == Failure::unknown_failure && !detail.empty()) return "unknown_failure: " + detail;
  return std::string(to_string(code));
}

Failure failure_from_errno(int err) noexcept {
  switch (err) {
    case 0: return Failure::none;
    case ECONNREFUSED: return Failure::connection_refused;
    case ECONNRESET: return Failure::connection_reset;
    case ECONNABORTED: return Failure::connection_aborted;
    case ETIMEDOUT: return Failure::generic_timeout_error;
    case EHOSTUNREACH: return Failure::host_unreachable;
    case EHOSTDOWN: return Failure::host_unreachable;
    case ENETUNREACH: return Failure::network_unreachable;
    case ENETDOWN: return Failure::network_down;
    case ENETRESET: return Failure::network_reset;
    case EAFNOSUPPORT: return Failure::address_family_not_supported;
    case EADDRINUSE: return Failure::address_in_use;
    case EADDRNOTAVAIL: return Failure::address_not_available;
    case EINTR: return Failure::interrupted;
    case EACCES: return Failure::permission_denied;
    case EPERM: return Failure::permission_denied;
    case EMSGSIZE: return Failure::message_size;
    case ENOBUFS: return Failure::no_buffer_space;
    case ENOTCONN: return Failure::not_connected;
    case EPROTONOSUPPORT: return Failure::protocol_not_supported;
    case EINVAL: return Failure::invalid_argument;
    case EPIPE: return Failure::connection_reset;
    default: return Failure::unknown_failure;
  }
}

FailureInfo unknown_failure(Operation op, std::string_view text) {
  return FailureInfo{Failure::unknown_failure, op, scrub_addresses(text)};
}

}  // namespace netvigil
