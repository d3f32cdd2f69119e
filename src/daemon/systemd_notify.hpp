// systemd's notify protocol (READY, STATUS, WATCHDOG, STOPPING, RELOADING) via libsystemd.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace netvigil {

/// A thin wrapper over sd_notify: every call is a no-op when NOTIFY_SOCKET is unset, so the
/// daemon runs the same under systemd, in a shell and in tests.
class SystemdNotify {
 public:
  void ready(const std::string& status) const;
  void status(const std::string& status) const;
  void watchdog() const;
  void stopping() const;
  void reloading() const;
  /// The watchdog interval systemd asked for (WATCHDOG_USEC), if any.
  std::optional<std::chrono::microseconds> watchdog_interval() const;
};

}  // namespace netvigil
