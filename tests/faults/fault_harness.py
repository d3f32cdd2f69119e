"""Shared parts of the fault tests that watch a running daemon: a private namespace (net,
optionally mount), loopback HTTP servers counted live (servers.py's classes in a thread),
the daemon as a child with its log, /metrics scrapes and sqlite3 queries.

Built on tests/e2e (e2e_common.py, servers.py). Every process started is killed by PID."""
import os
import re
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.join(os.path.dirname(HERE), "e2e")
sys.path.insert(0, E2E)
import e2e_common as e2e  # noqa: E402
import servers  # noqa: E402

TestFailure = e2e.TestFailure
MOUNT_MARK = "NETVIGIL_FAULTS_MOUNTNS"


def enter_namespace(mount=False):
    """Re-exec this script under `unshare --net [--mount]` (once); inside, bring lo up and
    check it is the only link. The namespaces vanish with their last process."""
    if os.environ.get(e2e.NETNS_MARK) != "inside":
        if shutil.which("unshare") is None:
            print("FAIL: unshare (util-linux) is missing")
            sys.exit(1)
        env = dict(os.environ)
        env[e2e.NETNS_MARK] = "inside"
        if mount:
            env[MOUNT_MARK] = "inside"
        cmd = ["unshare", "--net"] + (["--mount", "--propagation", "private"] if mount else []) + \
            ["--", sys.executable, os.path.abspath(sys.argv[0])] + sys.argv[1:]
        proc = subprocess.Popen(cmd, env=env)
        try:
            rc = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        sys.exit(rc if rc >= 0 else 1)
    if mount and os.environ.get(MOUNT_MARK) != "inside":
        raise TestFailure("not in a private mount namespace")
    e2e.setup_loopback()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServers:
    """servers.py listeners (and its DNS responder) served from a thread of this process, so
    the test can count requests while the daemon runs. Each request is kept with its
    monotonic time (servers.Conn records it)."""

    def __init__(self, listener_specs, dns=None):
        self.total = servers.Stats()
        self.sel = selectors.DefaultSelector()
        self.listeners = {s["name"]: servers.Listener(s, self.total) for s in listener_specs}
        for lst in self.listeners.values():
            if lst.sock is not None:
                self.sel.register(lst.sock, selectors.EVENT_READ, lst)
        self.ports = {n: lst.port for n, lst in self.listeners.items()}
        self.dns = None
        if dns is not None:
            self.dns = servers.Dns(dns)
            self.sel.register(self.dns.sock, selectors.EVENT_READ, self.dns)
            self.ports["dns"] = self.dns.port
        self._stop = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            while not self._stop.is_set():
                events = self.sel.select(timeout=0.1)
                events.sort(key=lambda e: isinstance(e[0].data, servers.Listener))
                for key, _ in events:
                    obj = key.data
                    if isinstance(obj, servers.Listener):
                        while True:
                            try:
                                s, _peer = obj.sock.accept()
                            except (BlockingIOError, InterruptedError):
                                break
                            obj.opened()
                            s.setblocking(False)
                            servers.Conn(obj, s, self.total.accepted, self.sel)
                    elif isinstance(obj, servers.Conn):
                        if obj.state != "done":
                            obj.step()
                    else:
                        obj.step()
        except Exception as e:  # reported by the test, never swallowed
            self.error = repr(e)

    def requests(self, name=None):
        """[(path, monotonic time)] of one listener, or of all."""
        names = [name] if name else list(self.listeners)
        out = []
        for n in names:
            out += [(r["path"], r["t"]) for r in list(self.listeners[n].requests)]
        return out

    def count(self, name=None):
        return len(self.requests(name))

    def stop(self):
        self._stop.set()
        self.thread.join(timeout=10)
        if self.error:
            raise TestFailure(f"loopback servers failed: {self.error}")


def http_probes(prefix, port, n, group="international"):
    """n plain-HTTP probes of one listener, each with its own path (/<prefix>-<i>)."""
    return [{"id": f"{prefix}-{i:02d}", "kind": "http", "group": group,
             "url": f"http://good.test:{port}/{prefix}-{i:02d}", "address": "127.0.0.1",
             "source": e2e.SOURCE} for i in range(n)]


def config(workdir, catalog_path, db_path, metrics_port, interval="1s", timeout="800ms"):
    cfg = e2e.base_config(workdir, catalog_path, interval=interval, timeout=timeout,
                          max_in_flight=16)
    cfg["database"] = db_path
    cfg["http"] = {"listen": f"127.0.0.1:{metrics_port}"}
    del cfg["ca_file"]
    return cfg


class Daemon:
    """`netvigil run -c CONFIG` with stdout+stderr in a log file; killed by PID."""

    def __init__(self, netvigil, config_path, log_path, metrics_port, env=None, prefix=None):
        self.log_path = log_path
        self.port = metrics_port
        self.log = open(log_path, "w", encoding="utf-8")
        cmd = (prefix or []) + [netvigil, "run", "-c", config_path]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self.pid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def log_text(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def log_lines(self, pattern):
        return [l for l in self.log_text().splitlines() if re.search(pattern, l)]

    def metrics(self, timeout=3):
        """{name or name{labels}: value} from /metrics; raises TestFailure when it fails."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics",
                                        timeout=timeout) as r:
                text = r.read().decode()
        except OSError as e:
            raise TestFailure(f"/metrics did not answer: {e}")
        out = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            key, _, value = line.rpartition(" ")
            try:
                out[key] = float(value)
            except ValueError:
                pass
        return out

    def wait_metrics(self, limit=20):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if not self.alive():
                raise TestFailure(f"the daemon exited with {self.proc.returncode}:\n{self.log_text()}")
            try:
                return self.metrics(timeout=1)
            except TestFailure:
                time.sleep(0.2)
        raise TestFailure(f"/metrics did not answer within {limit} s")

    def terminate(self, limit=30):
        """SIGTERM, bounded wait; returns the exit code."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=limit)
            except subprocess.TimeoutExpired:
                self.kill()
                raise TestFailure(f"the daemon did not exit within {limit} s of SIGTERM")
        self.log.close()
        return self.proc.returncode

    def kill(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait(timeout=10)
        if not self.log.closed:
            self.log.close()


def sqlite(db, sql, timeout=20):
    r = subprocess.run(["sqlite3", "-cmd", ".timeout 5000", db, sql], capture_output=True,
                       text=True, timeout=timeout)
    if r.returncode != 0:
        raise TestFailure(f"sqlite3 {sql!r}: exit {r.returncode}: {r.stderr.strip()}")
    return r.stdout.strip()


def require_tools(*tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        print(f"FAIL: missing tools: {', '.join(missing)}")
        sys.exit(1)


# Measurement ids: (t_unix_ms << 20) | probe number (src/store/schema.hpp).
PROBE_BITS = 20


def rows_by_probe(db):
    """{slug: [t_unix_ms, ...] in id order} from the database."""
    out = {}
    text = sqlite(db, "SELECT p.slug, m.id >> 20 FROM measurements m "
                      "JOIN probes p ON p.id = (m.id & 1048575) ORDER BY m.id")
    for line in text.splitlines():
        slug, t = line.split("|")
        out.setdefault(slug, []).append(int(t))
    return out


def verdict(failures, work, t_start):
    """The closing lines every fault test prints; its exit code (files kept on failure)."""
    print(f"took {time.monotonic() - t_start:.1f} s")
    if failures:
        print(f"FAILED: {len(failures)} check(s); files kept in {work}")
        return 1
    shutil.rmtree(work, ignore_errors=True)
    print("PASS")
    return 0
