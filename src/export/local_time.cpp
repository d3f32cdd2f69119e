// Local time via glibc's tz database, switching TZ under a mutex and restoring it after.
#include "export/local_time.hpp"

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <optional>

namespace netvigil {

namespace {
std::mutex& tz_mutex() {
  static std::mutex m;
  return m;
}
}  // namespace

bool zone_known(const std::string& tz) {
  if (tz.empty() || tz == "UTC") return true;
  if (tz.find("..") != std::string::npos || tz[0] == '/') return false;
  std::error_code ec;
  return std::filesystem::is_regular_file("/usr/share/zoneinfo/" + tz, ec);
}

LocalTime local_time(const std::string& tz, std::int64_t unix_s) {
  std::string zone = zone_known(tz) ? tz : std::string("UTC");
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  std::string abbrev;
  {
    std::lock_guard lock(tz_mutex());
    const char* old = std::getenv("TZ");
    std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
    ::setenv("TZ", zone.c_str(), 1);
    ::tzset();
    ::localtime_r(&t, &tm);
    abbrev = tm.tm_zone ? tm.tm_zone : "";  // copied before tzset() may free it
    if (saved) ::setenv("TZ", saved->c_str(), 1);
    else ::unsetenv("TZ");
    ::tzset();
  }
  LocalTime lt;
  lt.offset_s = tm.tm_gmtoff;
  lt.zone_abbrev = abbrev;
  lt.hour = tm.tm_hour;
  lt.minute = tm.tm_min;
  lt.day = tm.tm_mday;
  lt.month = tm.tm_mon + 1;
  lt.year = tm.tm_year + 1900;
  return lt;
}

std::string utc_offset_label(std::int64_t offset_s) {
  if (offset_s == 0) return "UTC";
  std::int64_t a = offset_s < 0 ? -offset_s : offset_s;
  char buf[32];
  std::snprintf(buf, sizeof buf, "UTC%s%02lld:%02lld", offset_s < 0 ? "\u2212" : "+",
                static_cast<long long>(a / 3600), static_cast<long long>((a / 60) % 60));
  return buf;
}

}  // namespace netvigil
