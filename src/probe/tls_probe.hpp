// The tls probe: TCP connect and TLS handshake only, with a chosen SNI, optionally to a
// chosen address, the chain verified against the configured CA set.
#pragma once

#include <chrono>

#include "probe/probe.hpp"

namespace netvigil {

/// Handshake with SNI = spec.sni (default spec.host) on spec.ports[0] (default 443), connecting
/// to spec.address when set, else to spec.host's addresses (so a different SNI on the same
/// address tells SNI filtering from IP blocking). Names are resolved by env.dns and pinned
/// for curl (CURLOPT_RESOLVE); curl never resolves. Chain and name are verified against
/// config.ca_file (the system set when empty). `done` runs within `timeout`, resolve included.
///
/// ok = handshake done and certificate verified. Failures: resolve (method dns), connect
/// (tcp_ip), tls_handshake (tls: ssl_invalid_hostname, ssl_unknown_authority, …).
/// evidence: host, sni, port, address (the target connected to), resolve (when a name was
/// resolved), tls_version, cipher, cert_not_after (unix s), cert_subject_cn, cert_issuer_cn
/// (the presented leaf, also when verification failed). phases: resolve_us (when resolved),
/// connect_us, tls_us, total_us.
void run_tls_probe(ProbeEnv& env, const ProbeSpec& spec, std::chrono::milliseconds timeout,
                   ProbeDone done);

}  // namespace netvigil
