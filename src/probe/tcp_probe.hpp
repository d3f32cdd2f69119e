// The tcp probe: connect to every resolved address and port, v4 and v6, all at once.
#pragma once

#include <chrono>

#include "probe/default_gateway.hpp"
#include "probe/probe.hpp"

namespace netvigil {

/// Resolve `spec.host` with env.dns->resolve (skipped for an IP literal or when spec.address is
/// set), then open a non-blocking connect to every address × every port of spec.ports (443 when
/// empty), all concurrently, each ending by the run's deadline (`timeout` from the start,
/// resolution included). Every socket is closed before `done` runs.
///
/// Host "@gateway" connects to the default gateways read from `paths` (IPv4 and IPv6), and
/// records the default interface's carrier; with no default route the run fails with
/// network_unreachable (operation connect) and evidence lists every interface's carrier. The
/// gateway's address is never recorded (it can locate the vantage): evidence says "gateway".
///
/// evidence: {"host", "resolve": {addresses, failure, duration_us} when resolved,
/// "connects": [{"family": "v4"|"v6", "address", "port", "failure", "connect_us"}]}.
/// ok = some connect succeeded, or (spec.refused_ok) was refused: a refusal proves the path.
/// Otherwise the failure is the resolve failure (method dns), or the first connect's failure
/// in address order, v4 first (operation connect, method tcp_ip). phases: resolve_us when a
/// name was resolved, connect_us = the fastest successful connect, total_us.
void run_tcp_probe(ProbeEnv& env, const ProbeSpec& spec, std::chrono::milliseconds timeout,
                   ProbeDone done);

/// As above, reading routes and carrier from `paths` (tests point them at fixtures).
void run_tcp_probe(ProbeEnv& env, const ProbeSpec& spec, std::chrono::milliseconds timeout,
                   ProbeDone done, const LinkPaths& paths);

}  // namespace netvigil
