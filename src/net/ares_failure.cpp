// c-ares status / DNS rcode → OONI df-007 failure, following OONI's netxlite DNS error names.
#include "net/ares_failure.hpp"

#include <ares.h>

#include <string>

namespace netvigil {
namespace {

FailureInfo resolve_failure(Failure f) {
  return FailureInfo{f, Operation::resolve, {}};
}

// RFC 1035 §4.1.1 / RFC 6895 rcodes, for replies that came back as ARES_SUCCESS.
FailureInfo from_rcode(int rcode) {
  switch (rcode) {
    case -1:
    case 0:
      return {};
    case 1:
      return resolve_failure(Failure::dns_server_misbehaving);  // FORMERR
    case 2:
      return resolve_failure(Failure::dns_servfail_error);  // SERVFAIL
    case 3:
      return resolve_failure(Failure::dns_nxdomain_error);  // NXDOMAIN
    case 4:
      return resolve_failure(Failure::dns_non_recoverable_failure);  // NOTIMP
    case 5:
      return resolve_failure(Failure::dns_refused_error);  // REFUSED
    default:
      return unknown_failure(Operation::resolve, "dns rcode " + std::to_string(rcode));
  }
}

}  // namespace

FailureInfo failure_from_ares(int status, int rcode, int sys_errno) {
  if (status == ARES_ECONNREFUSED && sys_errno != 0) {
    const Failure f = failure_from_errno(sys_errno);
    if (f != Failure::unknown_failure) return resolve_failure(f);
  }
  switch (status) {
    case ARES_SUCCESS:
      return from_rcode(rcode);
    case ARES_ENOTFOUND:
      return resolve_failure(Failure::dns_nxdomain_error);
    case ARES_ENODATA:
      return resolve_failure(Failure::dns_no_answer);
    case ARES_ESERVFAIL:
      return resolve_failure(Failure::dns_servfail_error);
    case ARES_EREFUSED:
      return resolve_failure(Failure::dns_refused_error);
    case ARES_ETIMEOUT:
      return resolve_failure(Failure::generic_timeout_error);
    case ARES_ECONNREFUSED:
      return resolve_failure(Failure::connection_refused);
    case ARES_EBADRESP:
    case ARES_EFORMERR:
      return resolve_failure(Failure::dns_server_misbehaving);
    case ARES_ENOTIMP:
      return resolve_failure(Failure::dns_non_recoverable_failure);
    default:
      return unknown_failure(Operation::resolve, ares_strerror(status));
  }
}

}  // namespace netvigil
