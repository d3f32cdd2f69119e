// Mapping between core Event and a row of the events table (shared by writer and reader).
#pragma once

#include <string_view>

#include "core/event.hpp"
#include "store/sqlite.hpp"

namespace netvigil {

/// The events columns in the order bind_event / read_event use (after id).
inline constexpr std::string_view kEventColumns =
    "type, scope, service, method, start, end, detected_at, start_uncertainty_s, min_index, "
    "mean_index, intl_index, domestic_index, evidence, method_version, shutdown_type, extent, "
    "network_type, services_affected";

/// Binds the 18 columns of kEventColumns to parameters first..first+17.
void bind_event(sql::Stmt& st, int first, const Event& e);

/// Reads an Event from `SELECT id, <kEventColumns>` starting at column `first`.
Event read_event(const sql::Stmt& st, int first);

}  // namespace netvigil
