// Local time in a named IANA zone (the vantage's), from the system tz database.
#pragma once

#include <cstdint>
#include <string>

namespace netvigil {

/// A UTC instant seen in a zone.
struct LocalTime {
  std::int64_t offset_s = 0;  ///< seconds east of UTC at that instant (Asia/Tehran: 12600)
  std::string zone_abbrev;    ///< tm_zone, e.g. "+0330", "CET"
  int hour = 0, minute = 0, day = 1, month = 1, year = 1970;
};

/// The local time at `unix_s` in zone `tz` ("Asia/Tehran"). Uses glibc's tz database
/// (/usr/share/zoneinfo) by switching TZ under a process-wide mutex (GCC 12's libstdc++ has no
/// chrono::zoned_time). An unknown zone is treated as UTC; see `zone_known`.
LocalTime local_time(const std::string& tz, std::int64_t unix_s);

/// True when `tz` names a file of the system tz database.
bool zone_known(const std::string& tz);

/// "UTC+03:30", "UTC−05:00", "UTC".
std::string utc_offset_label(std::int64_t offset_s);

}  // namespace netvigil
