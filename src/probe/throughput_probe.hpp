// The throughput probe: download a file and measure the rate, to recognise throttling.
#pragma once

#include <chrono>

#include "probe/probe.hpp"

namespace netvigil {

/// Download spec.url (resolved by env.dns or spec.address, pinned for curl; a fresh
/// connection), stopping once more than spec.expect_bytes arrived (0: the whole body).
/// Stopping at expect_bytes is a complete run. `done` runs within `timeout`.
///
/// ok = the download completed (or reached expect_bytes) with a status < 400 (or
/// spec.ignore_status); failures use the curl mapping (a timeout while reading is
/// generic_timeout_error / read: a throttled link that cannot deliver in time).
/// m.bytes = body bytes counted (at most expect_bytes when set); evidence: url, address,
/// status, bytes, expect_bytes, total_ms (curl's whole transfer), download_ms (request sent →
/// last byte), bits_per_second (bytes × 8 / download time). phases: connect_us (the TCP
/// connect, an RTT proxy), tls_us, first_byte_us, resolve_us, total_us.
void run_throughput_probe(ProbeEnv& env, const ProbeSpec& spec, std::chrono::milliseconds timeout,
                          ProbeDone done);

}  // namespace netvigil
