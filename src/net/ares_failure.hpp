// The one mapping from c-ares status codes (and DNS rcodes) to OONI failures (operation resolve).
#pragma once

#include "core/failure.hpp"

namespace netvigil {

/// Map a c-ares status (ARES_*), and the reply's rcode when a reply arrived (-1 otherwise), to
/// an OONI failure with operation `resolve`. ARES_SUCCESS with rcode 0 or -1 gives no failure;
/// ARES_SUCCESS with a non-zero rcode (replies obtained through ares_send) maps by rcode.
/// ARES_ECONNREFUSED is c-ares 1.18's word for any failure to open, connect or send; when the
/// socket error behind it is known (`sys_errno`, non-zero) it maps through the errno mapping
/// instead (e.g. network_unreachable), still with operation resolve.
/// Unmapped statuses give `unknown_failure: <ares_strerror text>`.
FailureInfo failure_from_ares(int status, int rcode = -1, int sys_errno = 0);

}  // namespace netvigil
