// The SQLite schema as an ordered list of migrations, applied by PRAGMA user_version.
#pragma once

#include <span>
#include <string_view>

#include "store/sqlite.hpp"

namespace netvigil {

/// Migration i (0-based) moves a database from user_version i to i+1. Append only: a
/// released migration is never edited.
std::span<const std::string_view> schema_migrations() noexcept;

/// The user_version a fully migrated database has.
int schema_version() noexcept;

/// Applies every missing migration, each in its own transaction. Returns the number applied.
/// Throws sql::Error when a migration fails, or when the file is newer than this program.
int apply_migrations(sql::Db& db);

/// Bits of a measurement id: id = (t_unix_ms << kProbeBits) | probe_number. The id orders rows
/// by time, so time ranges and pruning are rowid ranges and no time index is needed.
inline constexpr int kProbeBits = 20;
inline constexpr std::int64_t kProbeMask = (std::int64_t{1} << kProbeBits) - 1;

inline constexpr std::int64_t measurement_id(std::int64_t t_ms, std::int64_t probe) noexcept {
  return (t_ms << kProbeBits) | (probe & kProbeMask);
}
inline constexpr std::int64_t measurement_time_ms(std::int64_t id) noexcept { return id >> kProbeBits; }
inline constexpr std::int64_t measurement_probe(std::int64_t id) noexcept { return id & kProbeMask; }

}  // namespace netvigil
