// sd_notify(3) and sd_watchdog_enabled(3) from libsystemd.
#include "daemon/systemd_notify.hpp"

#include <systemd/sd-daemon.h>

namespace netvigil {

void SystemdNotify::ready(const std::string& s) const {
  sd_notify(0, ("READY=1\nSTATUS=" + s).c_str());
}
void SystemdNotify::status(const std::string& s) const { sd_notify(0, ("STATUS=" + s).c_str()); }
void SystemdNotify::watchdog() const { sd_notify(0, "WATCHDOG=1"); }
void SystemdNotify::stopping() const { sd_notify(0, "STOPPING=1"); }
void SystemdNotify::reloading() const { sd_notify(0, "RELOADING=1"); }

std::optional<std::chrono::microseconds> SystemdNotify::watchdog_interval() const {
  uint64_t usec = 0;
  // unset_environment = 0: child processes never exist here, and tests read it back.
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
    return std::chrono::microseconds(static_cast<std::int64_t>(usec));
  return std::nullopt;
}

}  // namespace netvigil
