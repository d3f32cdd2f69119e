// OONI failure vocabulary (ooni/spec df-007-errors) and the errno mapping.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/vocabulary.hpp"

namespace netvigil {

/// OONI df-007 failure codes. Stored as the integer value: append only, never reorder.
enum class Failure : std::uint8_t {
  none = 0,
  unknown_failure,
  generic_timeout_error,
  connection_refused,
  connection_reset,
  connection_aborted,
  eof_error,
  host_unreachable,
  network_unreachable,
  network_down,
  network_reset,
  address_family_not_supported,
  address_in_use,
  address_not_available,
  timed_out,
  interrupted,
  permission_denied,
  dns_nxdomain_error,
  dns_bogon_error,
  dns_no_answer,
  dns_refused_error,
  dns_servfail_error,
  dns_non_recoverable_failure,
  dns_server_misbehaving,
  dns_temporary_failure,
  dns_reply_with_wrong_query_id,
  ssl_failed_handshake,
  ssl_invalid_certificate,
  ssl_invalid_hostname,
  ssl_unknown_authority,
  message_size,
  no_buffer_space,
  not_connected,
  protocol_not_supported,
  invalid_argument,
  operation_would_block,
};

/// The bare OONI code ("connection_reset"); "" for none. Bounded: safe as a metric label.
std::string_view to_string(Failure f) noexcept;
std::optional<Failure> failure_from(std::string_view code) noexcept;

/// Why a measurement failed: the code, the operation, and for unknown_failure a scrubbed text.
struct FailureInfo {
  Failure code = Failure::none;
  Operation op = Operation::none;
  std::string detail;  ///< only for unknown_failure; IP addresses already scrubbed

  bool failed() const noexcept { return code != Failure::none; }
  /// The OONI failure string: the bare code, or "unknown_failure: <detail>".
  std::string ooni_string() const;
};

/// The one errno → OONI mapping. Unmapped values give unknown_failure.
Failure failure_from_errno(int err) noexcept;

/// Build a FailureInfo for unknown_failure with every IPv4/IPv6 address in `text` scrubbed.
FailureInfo unknown_failure(Operation op, std::string_view text);

}  // namespace netvigil
