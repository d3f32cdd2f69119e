// The http probe: one GET or POST over a fresh connection, timed per phase, its response
// checked against block-page fingerprints.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "probe/probe.hpp"

namespace netvigil {

/// Fetch spec.url with spec.http_method (GET, POST with spec.http_body, HEAD, or another
/// verb) over a fresh connection and a full TLS handshake. The URL host is resolved by
/// env.dns (or spec.address is used) and pinned for curl (CURLOPT_RESOLVE): curl never
/// resolves. Redirects are not followed (the Location is evidence). `done` runs within
/// `timeout`, resolution included.
///
/// Body: the first spec.body_cap bytes are kept, hashed (SHA-256) and searched for a
/// <title> and fingerprints; once more than body_cap bytes arrived the transfer is stopped.
/// A capped body is a complete transaction, not a failure (evidence body_truncated).
///
/// Verdict, first that applies:
///  1. a resolved address is a known block-page address or matches a `dns` fingerprint:
///     ok=false, dns_bogon_error / resolve, method dns (evidence dns_blockpage);
///  2. the body or a header matches a fingerprint: ok=false, method http_blockpage, failure
///     unknown_failure / http_round_trip with detail "http_blockpage: <fingerprint id>"
///     (df-007 has no block-page code; the bare code stays bounded for metric labels);
///  3. curl failed: the curl mapping (connect → tcp_ip, tls_handshake → tls, else
///     http_failure; resolve failures → dns);
///  4. status >= 400 and not spec.ignore_status: ok=false, method http_failure, failure
///     unknown_failure / http_round_trip, detail "http_status: <code>";
///  5. otherwise ok (3xx included).
/// evidence: url, method, addresses (the targets), address (connected), resolve, status,
/// body_sha256 (of the kept body with every address scrubbed), body_kept, body_truncated,
/// title, headers (server, location, content-type, content-length, via), fingerprint, and
/// tls_version/cipher/cert_* for https. Never the local address. phases: resolve_us,
/// connect_us, tls_us, first_byte_us, total_us; http_status; bytes = body bytes received.
void run_http_probe(ProbeEnv& env, const ProbeSpec& spec, std::chrono::milliseconds timeout,
                    ProbeDone done);

/// The text of the first <title> element (case-insensitive tags), blanks collapsed, at most
/// 256 bytes, valid UTF-8; "" when there is none.
std::string html_title(std::string_view body);

/// `text` with every invalid UTF-8 sequence replaced by U+FFFD (JSON needs valid UTF-8).
std::string valid_utf8(std::string_view text);

}  // namespace netvigil
