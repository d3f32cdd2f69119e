#!/usr/bin/env python3
"""tests/e2e/servers.py with an access log for the fault tests: the same servers, plus a
timestamp (time.monotonic(), the clock the tests read) on every DNS query and, for
listeners whose spec has "log_accepts": true, an entry {"path": "<connect>", "t": …} in
"requests" for every accepted connection (a TCP probe sends nothing, so its accept is the
only trace). HTTP(S) requests already carry their path and time. DNS names
NAME.rN.dns.test are answered as NAME.dns.test (the round N is only an identity). Same
command line as servers.py; the log is in the STATS file written on SIGTERM."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import servers  # noqa: E402


class LoggedListener(servers.Listener):
    def opened(self):
        super().opened()
        if self.spec.get("log_accepts"):
            self.requests.append({"conn": self.accepted, "path": "<connect>", "t": time.monotonic()})


class RoundTable(dict):
    """The DNS table, answering NAME.rN.dns.test as NAME.dns.test (N: the test's round)."""

    def get(self, name, default=None):
        return super().get(re.sub(r"\.r\d+\.dns\.test$", ".dns.test", name), default)


class LoggedDns(servers.Dns):
    def __init__(self, table):
        super().__init__(table)
        self.table = RoundTable(self.table)

    def answer(self, q):
        before = len(self.queries)
        reply = super().answer(q)
        if len(self.queries) > before:
            self.queries[-1]["t"] = time.monotonic()
        return reply


# servers.main() looks both classes up by name when it builds the server set.
servers.Listener = LoggedListener
servers.Dns = LoggedDns

if __name__ == "__main__":
    sys.exit(servers.main())
