// ntp_adjtime() read-only query of the kernel clock discipline.
#include "store/clock_trust.hpp"

#include <sys/timex.h>

#include <chrono>

namespace netvigil {

ClockTrust read_clock_trust() {
  ClockTrust c;
  c.t_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  timex tx{};
  tx.modes = 0;  // read only: ntp_adjtime(3) changes nothing when modes is 0
  int state = ntp_adjtime(&tx);
  if (state == -1) {
    c.max_error_us = -1;
    return c;
  }
  // TIME_ERROR or STA_UNSYNC: the kernel has no valid discipline (no NTP, or it lost it).
  c.synced = state != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
  c.max_error_us = tx.maxerror;
  c.est_error_us = tx.esterror;
  return c;
}

}  // namespace netvigil
