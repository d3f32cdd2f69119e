// Wiring one config generation: knowledge, c-ares channels, probe env, scheduler.
#include "daemon/probe_generation.hpp"

namespace netvigil {

ProbeGeneration::ProbeGeneration(std::shared_ptr<const Config> config, EventLoop& loop,
                                 const Clock& clock, CurlEngine& curl, Scheduler::Sink sink)
    : config_(std::move(config)),
      knowledge_(BlockingKnowledge::from(*config_)),
      dns_(loop, config_->resolvers) {
  env_.loop = &loop;
  env_.clock = &clock;
  env_.curl = &curl;
  env_.dns = &dns_;
  env_.config = config_.get();
  env_.knowledge = &knowledge_;
  scheduler_ = std::make_unique<Scheduler>(env_, *config_, std::move(sink),
                                           [](ProbeKind k) { return runner_for(k); });
}

}  // namespace netvigil
