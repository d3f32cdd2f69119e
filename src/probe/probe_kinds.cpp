// The one list of probe kinds: adding a kind is one file pair and one line here.
#include "probe/dns_probe.hpp"
#include "probe/http_probe.hpp"
#include "probe/probe.hpp"
#include "probe/tcp_probe.hpp"
#include "probe/throughput_probe.hpp"
#include "probe/tls_probe.hpp"

namespace netvigil {

ProbeRunner runner_for(ProbeKind kind) noexcept {
  switch (kind) {
    case ProbeKind::dns: return &run_dns_probe;
    case ProbeKind::tcp: return &run_tcp_probe;
    case ProbeKind::tls: return &run_tls_probe;
    case ProbeKind::http: return &run_http_probe;
    case ProbeKind::throughput: return &run_throughput_probe;
    case ProbeKind::service: return nullptr;  // composite: the Scheduler runs its endpoints
  }
  return nullptr;
}

}  // namespace netvigil
