// The one mapping from c-ares status codes (and DNS rcodes) to OONI failures (operation resolve).
#pragma once

#include "core/failure.hpp"

namespace netvigil {

/// Map a c-ares status (ARES_*), and the reply's rcode when a reply arrived (-1 otherwise), to
/// an OONI failure with operation `resolve`. ARES_SUCCESS with rcode 0 or -1 gives no failure;
/// ARES_SUCCESS with a non-zero rcode (replies obtained through ares_send) maps by rcode.
/// Unmapped statuses give `unknown_failure: <ares_strerror text>`.
FailureInfo failure_from_ares(int status, int rcode = -1);

}  // namespace netvigil
