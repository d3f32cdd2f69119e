// One loaded config's worth of measuring: its knowledge, resolvers and scheduler.
#pragma once

#include <memory>

#include "config/config.hpp"
#include "net/dns_engine.hpp"
#include "probe/blocking_knowledge.hpp"
#include "probe/probe.hpp"
#include "schedule/scheduler.hpp"

namespace netvigil {

class EventLoop;
class CurlEngine;

/// Everything that depends on the config, built together so a SIGHUP reload can swap it
/// whole: the old generation is stopped and kept until its runs in flight have finished,
/// so a reload loses no results. Not copyable or movable (the scheduler points into it).
class ProbeGeneration {
 public:
  ProbeGeneration(std::shared_ptr<const Config> config, EventLoop& loop, const Clock& clock,
                  CurlEngine& curl, Scheduler::Sink sink);
  ProbeGeneration(const ProbeGeneration&) = delete;
  ProbeGeneration& operator=(const ProbeGeneration&) = delete;

  Scheduler& scheduler() { return *scheduler_; }
  const Config& config() const { return *config_; }
  /// True once stopped and nothing is in flight any more: safe to destroy.
  bool drained() const { return scheduler_->stats().in_flight == 0; }

 private:
  std::shared_ptr<const Config> config_;
  BlockingKnowledge knowledge_;
  DnsEngine dns_;
  ProbeEnv env_;
  std::unique_ptr<Scheduler> scheduler_;
};

}  // namespace netvigil
