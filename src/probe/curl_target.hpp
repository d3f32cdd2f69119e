// Where a curl-based probe (tls, http, throughput) connects: netvigil resolves, curl dials.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/failure.hpp"
#include "net/curl_engine.hpp"
#include "probe/probe.hpp"

namespace netvigil {

/// A URL's endpoint and the addresses curl must use for it.
struct CurlTarget {
  std::string url;
  std::string scheme;                  ///< "http" | "https"
  std::string host;                    ///< URL host, brackets stripped from an IPv6 literal
  std::uint16_t port = 0;              ///< explicit or the scheme's default
  std::vector<std::string> addresses;  ///< IP literals to connect to (target addresses only)
  bool resolved = false;               ///< the addresses came from env.dns
  std::int32_t resolve_us = -1;
  nlohmann::json resolve_evidence;     ///< {"addresses","duration_us","failure"} when resolved
  FailureInfo failure;                 ///< bad URL or resolve failure (operation resolve)
};

/// Parse `url`; then find the addresses: `address` when given (an IP literal, or a name that
/// is resolved), else the URL host itself when it is an IP literal, else env.dns->resolve(host).
/// `done` runs on the loop (never inside this call), within `timeout`.
void resolve_curl_target(ProbeEnv& env, const std::string& url, const std::string& address,
                         std::chrono::milliseconds timeout, std::function<void(CurlTarget)> done);

/// Point `easy` at the target's addresses so curl never resolves a name: CURLOPT_RESOLVE
/// "host:port:addr,…" for a host name, CURLOPT_CONNECT_TO for an IP-literal host with other
/// addresses. The returned lists must outlive the transfer (pass them to CurlEngine::start).
std::vector<CurlSlistPtr> pin_addresses(CURL* easy, const CurlTarget& target);

/// curl's duration info in µs (CURLINFO_*_TIME_T), -1 when curl reports 0 (phase not reached).
std::int32_t curl_time_us(CURL* easy, CURLINFO info);

/// A µs difference clamped to int32, or -1 when `later` is not known.
std::int32_t phase_us(std::int32_t later, std::int32_t earlier);

/// Phases of a finished transfer (µs): connect_us = TCP connect, tls_us = handshake,
/// first_byte_us = request sent → first response byte; resolve_us as given. A phase not
/// reached stays -1. total_us is the run's own (start to done), set by the probe.
void set_curl_phases(Measurement& m, CURL* easy, std::int32_t resolve_us);

/// The remote address curl connected to (a target address), "" if none.
std::string connected_address(CURL* easy);

/// Receives a response body: keeps the first `keep` bytes and stops the transfer once more
/// than `stop_after` bytes arrived (0: never). A stop makes curl end with CURLE_WRITE_ERROR
/// and `stopped` set: the caller treats that as a complete, capped transfer, not a failure.
struct BodySink {
  std::size_t keep = 0;
  std::int64_t stop_after = 0;
  std::string kept;
  std::int64_t received = 0;  ///< bytes curl delivered, including the chunk that stopped it
  bool stopped = false;
};

/// Route `easy`'s body into `*sink` (which must outlive the easy handle).
void sink_body(CURL* easy, BodySink* sink);

/// Fill the measurement's failure and method from a curl failure (method from the operation).
void set_failure(Measurement& m, const FailureInfo& f);

/// The common start of an http or throughput transfer: records the target's resolution in
/// `m`, then returns a measuring easy handle for target.url with the time left until
/// `deadline` — or null after setting `m`'s failure (resolution failed, deadline passed, no
/// curl engine), in which case the caller finishes the run.
CurlEasyPtr begin_transfer(ProbeEnv& env, const CurlTarget& target, SteadyTime deadline,
                           Measurement& m);

}  // namespace netvigil
