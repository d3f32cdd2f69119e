// The uniform entry point of every probe kind, and what a probe may use while it runs.
#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/measurement.hpp"

namespace netvigil {

class EventLoop;
class CurlEngine;
class DnsEngine;
class BlockingKnowledge;

/// Long-lived things a probe run may use. All on the loop thread. Pointers so a unit test
/// can build an env with only the engines its kind needs (curl for tls/http/throughput,
/// dns for everything that resolves); the daemon always sets all of them.
struct ProbeEnv {
  EventLoop* loop = nullptr;
  const Clock* clock = nullptr;
  CurlEngine* curl = nullptr;
  DnsEngine* dns = nullptr;
  const Config* config = nullptr;
  const BlockingKnowledge* knowledge = nullptr;
};

/// Called exactly once per run, on the loop, no later than the run's deadline.
using ProbeDone = std::function<void(Measurement)>;

/// Start one run of `spec`. Must not block; must call `done` by `timeout` whatever the network
/// does. The Measurement's id/kind/group/service/started fields are filled by the runner.
using ProbeRunner = void (*)(ProbeEnv& env, const ProbeSpec& spec,
                             std::chrono::milliseconds timeout, ProbeDone done);

/// The one list of kinds: the runner for `kind`, or nullptr for `service` (a composite
/// that the Scheduler runs from its endpoints).
ProbeRunner runner_for(ProbeKind kind) noexcept;

/// Fill the fields every measurement carries from its spec.
Measurement start_measurement(const ProbeSpec& spec, const Clock& clock);

}  // namespace netvigil
