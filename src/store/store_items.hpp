// The work items that travel from the loop thread to the store's writer thread.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <variant>
#include <vector>

#include "core/event.hpp"
#include "core/measurement.hpp"
#include "store/clock_trust.hpp"
#include "store/rollup_chain.hpp"

namespace netvigil {

/// A measurement reduced to what is stored (evidence already serialised, with the
/// unknown_failure detail folded in as "failure_detail").
struct PendingRow {
  std::int64_t id = 0;  ///< measurement_id(t, probe); may move by 1 ms on a key collision
  bool ok = false;
  Failure failure = Failure::none;
  Operation op = Operation::none;
  Method method = Method::none;
  PhaseTimes phases;
  std::int32_t status = 0;
  std::int64_t bytes = 0;
  std::string evidence_json;  ///< "" when the measurement carried no evidence
  std::string timings;        ///< the evidence's "_us" values (evidence_timings.hpp); "" none

  std::size_t memory_bytes() const noexcept {
    return sizeof(PendingRow) + evidence_json.capacity() + timings.capacity();
  }
};

/// A probe seen for the first time, or whose kind/group/service changed.
struct ProbeDef {
  std::int64_t number = 0;
  std::string slug;
  ProbeKind kind = ProbeKind::tcp;
  Group group = Group::international;
  std::string service;
};

struct PruneRequest {
  std::int64_t cutoff_ms = 0;  ///< raw rows with t < cutoff go (unless an event refers to them)
};
struct EventsReplace {
  std::vector<Event> events;
};
struct MetaSet {
  std::string key, value;
};
struct PageLimit {
  std::int64_t max_pages = 0;  ///< 0: SQLite's default
};

/// Everything except measurement rows (never dropped when the buffer is full).
using StoreCommand =
    std::variant<ProbeDef, RollupStep, ClockTrust, Event, EventsReplace, PruneRequest, MetaSet,
                 PageLimit>;

/// What the writer commits in one transaction.
struct WriteBatch {
  std::deque<PendingRow> rows;
  std::deque<StoreCommand> commands;
  bool empty() const noexcept { return rows.empty() && commands.empty(); }
};

}  // namespace netvigil
