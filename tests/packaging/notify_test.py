#!/usr/bin/env python3
"""The daemon's systemd notify protocol, seen by a fake NOTIFY_SOCKET receiver.

Runs the real binary (argv[1]) on a temporary config whose only catalog probes a TCP port
this test listens on at 127.0.0.1 (loopback only), with WATCHDOG_USEC=2000000 and
NOTIFY_SOCKET bound here, and checks:
  * READY=1 arrives, with a STATUS= text, and at that moment the metrics port already
    accepts a connection and serves /metrics (tried once, no retry);
  * WATCHDOG=1 arrives at least every WATCHDOG_USEC/2 (1 s) over a 6 s window (systemd
    kills the service at a gap of WATCHDOG_USEC);
  * the daemon really measures (the loopback listener sees connects; runs are counted);
  * SIGTERM gives STOPPING=1, the process exits 0, and the measurements were flushed to
    the database.
Every wait is bounded; the daemon is killed by PID if anything fails.
"""
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

WATCHDOG_USEC = 2_000_000
HALF_S = WATCHDOG_USEC / 2 / 1e6
WATCH_WINDOW_S = 6.0


def fail(msg):
    print("FAIL: " + msg, flush=True)
    raise SystemExit(1)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Target:
    """A loopback TCP listener that counts the connections the daemon's probe makes."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
                self.accepted += 1
                c.close()
            except socket.timeout:
                continue
            except OSError:
                return

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


def write_config(d, target_port, http_port, dns_port):
    with open(os.path.join(d, "loop.yaml"), "w") as f:
        f.write(f"""catalog: looptest
reviewed: 2026-11-26
license: CC-BY-4.0
description: Loopback only, for the notify test.
probes:
  - id: loop-tcp
    kind: tcp
    group: international
    host: 127.0.0.1
    ports: [{target_port}]
    interval: 1s
    timeout: 500ms
    source: https://www.rfc-editor.org/rfc/rfc9293
""")
    cfg = os.path.join(d, "netvigil.yaml")
    with open(cfg, "w") as f:
        f.write(f"""vantage:
  id: notify-test
database: {d}/var/netvigil.db
http:
  listen: 127.0.0.1:{http_port}
resolvers:
  - name: loop
    address: 127.0.0.1
    port: {dns_port}
    transports: [udp]
catalogs:
  - loop.yaml
schedule:
  interval: 2s
  jitter: 200ms
  timeout: 1s
  max_in_flight: 4
""")
    return cfg


def main():
    binary = os.path.abspath(sys.argv[1])
    deadline = time.monotonic() + 60
    with tempfile.TemporaryDirectory(prefix="nv-notify-") as d:
        os.makedirs(os.path.join(d, "var"))
        target = Target()
        http_port = free_port()
        cfg = write_config(d, target.port, http_port, free_port())
        check = subprocess.run([binary, "check", "-c", cfg], capture_output=True, text=True, timeout=30)
        if check.returncode != 0:
            fail(f"netvigil check exit {check.returncode}: {check.stdout}{check.stderr}")

        sock_path = os.path.join(d, "notify.sock")
        rx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        rx.bind(sock_path)
        rx.settimeout(0.1)
        env = dict(os.environ, NOTIFY_SOCKET=sock_path, WATCHDOG_USEC=str(WATCHDOG_USEC))
        env.pop("WATCHDOG_PID", None)
        log = open(os.path.join(d, "daemon.log"), "w+")
        proc = subprocess.Popen([binary, "run", "-c", cfg], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=d)
        print(f"daemon pid {proc.pid}, metrics 127.0.0.1:{http_port}, target 127.0.0.1:{target.port}", flush=True)
        messages = []  # (monotonic time, text)

        def receive_until(pred, limit_s, what):
            end = min(time.monotonic() + limit_s, deadline)
            while time.monotonic() < end:
                try:
                    data = rx.recv(4096)
                except socket.timeout:
                    if proc.poll() is not None and not pred(None):
                        fail(f"daemon exited ({proc.returncode}) while waiting for {what}")
                    continue
                msg = (time.monotonic(), data.decode())
                messages.append(msg)
                if pred(msg):
                    return msg
            fail(f"no {what} within {limit_s} s")

        def collect_for(seconds):
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                if proc.poll() is not None:
                    fail(f"daemon exited ({proc.returncode}) while running")
                try:
                    messages.append((time.monotonic(), rx.recv(4096).decode()))
                except socket.timeout:
                    continue

        try:
            # READY=1, and at that very moment the metrics port must accept and serve.
            ready = receive_until(lambda m: m is not None and "READY=1" in m[1].split("\n"), 30, "READY=1")
            try:
                with socket.create_connection(("127.0.0.1", http_port), timeout=2):
                    pass
            except OSError as e:
                fail(f"READY=1 sent but the metrics port refuses: {e}")
            connected_after = time.monotonic() - ready[0]
            body = urllib.request.urlopen(f"http://127.0.0.1:{http_port}/metrics", timeout=5).read().decode()
            if "netvigil_build_info" not in body:
                fail("/metrics lacks netvigil_build_info")
            ready_fields = ready[1].split("\n")
            status = [f for f in ready_fields if f.startswith("STATUS=")]
            if not status or status[0] == "STATUS=":
                fail(f"READY=1 without a STATUS= text: {ready[1]!r}")
            print(f"READY=1 received with {status[0]!r}; metrics port accepted "
                  f"{connected_after * 1000:.1f} ms later, /metrics served", flush=True)
            early = [m for m in messages if "WATCHDOG=1" in m[1] and m[0] < ready[0]]
            if early:
                print(f"note: {len(early)} WATCHDOG=1 before READY=1", flush=True)

            # Watchdog pings over a window.
            collect_for(WATCH_WINDOW_S)
            pings = [m[0] for m in messages if m[0] >= ready[0] and "WATCHDOG=1" in m[1].split("\n")]
            if len(pings) < 3:
                fail(f"only {len(pings)} WATCHDOG=1 in {WATCH_WINDOW_S} s")
            points = [ready[0]] + pings
            gaps = [b - a for a, b in zip(points, points[1:])]
            last_gap = time.monotonic() - pings[-1]
            worst = max(gaps + [last_gap])
            print(f"{len(pings)} WATCHDOG=1 in {WATCH_WINDOW_S} s after READY; gaps "
                  f"min {min(gaps):.3f} s, max {worst:.3f} s (limit {HALF_S:.3f} s; "
                  f"systemd kills at {2 * HALF_S:.1f} s)", flush=True)
            if worst > HALF_S:
                fail(f"a WATCHDOG=1 gap of {worst:.3f} s exceeds WATCHDOG_USEC/2")
            statuses = [m[1] for m in messages if any(f.startswith("STATUS=") for f in m[1].split("\n"))]
            print(f"{len(statuses)} datagrams with STATUS=; last: "
                  f"{[f for f in statuses[-1].split(chr(10)) if f.startswith('STATUS=')][0]!r}", flush=True)

            # The daemon measured the loopback target.
            if target.accepted < 2:
                fail(f"the loopback target saw {target.accepted} connects in {WATCH_WINDOW_S} s")
            body = urllib.request.urlopen(f"http://127.0.0.1:{http_port}/metrics", timeout=5).read().decode()
            runs = [l for l in body.splitlines() if l.startswith("netvigil_probe_runs_total") and "loop-tcp" in l]
            if not runs or float(runs[0].rsplit(" ", 1)[1]) < 1:
                fail(f"no counted runs of loop-tcp in /metrics: {runs}")
            print(f"target saw {target.accepted} connects; {runs[0]}", flush=True)

            # SIGTERM: STOPPING=1, exit 0, measurements flushed.
            term_at = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            stopping = receive_until(lambda m: m is not None and "STOPPING=1" in m[1].split("\n"), 15, "STOPPING=1")
            try:
                rc = proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                fail("daemon did not exit within 15 s of SIGTERM")
            if rc != 0:
                fail(f"daemon exit status {rc} after SIGTERM")
            db = sqlite3.connect(f"file:{d}/var/netvigil.db?mode=ro", uri=True)
            stored = db.execute("SELECT count(*) FROM measurements").fetchone()[0]
            db.close()
            if stored < 1:
                fail("no measurement stored after SIGTERM")
            print(f"SIGTERM: STOPPING=1 after {(stopping[0] - term_at) * 1000:.0f} ms, exit 0, "
                  f"{stored} measurements in the database", flush=True)
        except BaseException:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
            log.seek(0)
            print("--- daemon output ---\n" + log.read()[-4000:], flush=True)
            raise
        finally:
            target.close()
            rx.close()
            log.close()
    print("PASS", flush=True)


if __name__ == "__main__":
    main()
