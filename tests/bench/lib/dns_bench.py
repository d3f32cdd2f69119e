"""DNS probes side by side: the netvigil daemon (dns probes, c-ares) and blackbox_exporter's
dns prober scraped by Prometheus, against one dnsmasq on loopback serving N names from a hosts
file. Runs inside the network namespace tests/bench/dns makes. Prints a table, writes CSV and
JSON. Every process started here is stopped here, by PID."""
import argparse
import csv
import datetime
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procstat import Snapshot  # noqa: E402

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DNS_ADDR, DNS_PORT = "127.0.0.1", 53
NV_METRICS = "127.0.0.1:9567"
BB_LISTEN = "127.0.0.1:9115"
PROM_LISTEN = "127.0.0.1:9090"
PROBE_TIMEOUT_S = 5
PARALLEL = 64


def name(i):
    return f"t{i:05d}.bench.test"


def answer(i):
    # TEST-NET-1 only: nothing ever connects to these.
    return f"192.0.2.{i % 254 + 1}"


def _stop(proc, timeout=30):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _get(url, timeout=2.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode("utf-8", "replace")


def _wait_http(url, proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited {proc.returncode}")
        try:
            _get(url, 1.0)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} not ready within {timeout}s")


def _metric(text, metric):
    for line in text.splitlines():
        if line.startswith(metric + " ") or line.startswith(metric + "{"):
            return float(line.rsplit(" ", 1)[1])
    return None


def _per_1000(cpu, n):
    return cpu / n * 1000 if n else float("nan")


class Dnsmasq:
    """One dnsmasq (single process) answering the N names from a hosts file; --log-queries
    writes one `query[TYPE] NAME from ADDR` line per query received: the query count."""

    def __init__(self, d, n):
        self.hosts = f"{d}/hosts"
        with open(self.hosts, "w", encoding="ascii") as f:
            for i in range(n):
                f.write(f"{answer(i)} {name(i)}\n")
        self.log = f"{d}/dnsmasq.log"
        open(self.log, "w").close()
        # --local: names outside the hosts file get NXDOMAIN, never forwarded (no upstream).
        # --cache-size: hosts-file names are answered from their own table, not the cache.
        self.proc = subprocess.Popen(
            ["dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--no-poll",
             f"--addn-hosts={self.hosts}", "--local=/bench.test/", f"--listen-address={DNS_ADDR}",
             "--bind-interfaces", f"--port={DNS_PORT}", "--log-queries",
             f"--log-facility={self.log}", f"--pid-file={d}/dnsmasq.pid", "--user=root",
             "--dns-forward-max=1000"],
            stdout=subprocess.DEVNULL, stderr=open(f"{d}/dnsmasq.err", "w", encoding="utf-8"))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dnsmasq exited {self.proc.returncode}; see {d}/dnsmasq.err")
            with open(self.log, encoding="utf-8", errors="replace") as f:
                if f"read {self.hosts} - {n} names" in f.read():
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("dnsmasq did not read its hosts file within 20 s")
        self.pid = self.proc.pid

    def offset(self):
        return os.path.getsize(self.log)

    def queries(self, start, end=None):
        """The query lines logged between two offsets: [(qtype, name)]."""
        with open(self.log, "rb") as f:
            f.seek(start)
            data = f.read() if end is None else f.read(end - start)
        out = []
        for line in data.decode("utf-8", "replace").splitlines():
            i = line.find(" query[")
            if i < 0:
                continue
            words = line[i + 1:].split()
            out.append((words[0][6:-1], words[1]))
        return out

    def count(self, start):
        with open(self.log, "rb") as f:
            f.seek(start)
            return f.read().count(b" query[")

    def stop(self):
        _stop(self.proc)


def query_check(queries, n):
    """How the queries in a window relate to the N names: each asked once, type A only."""
    names = {}
    for qtype, q in queries:
        names[q] = names.get(q, 0) + 1
    expected = {name(i) for i in range(n)}
    return {"queries": len(queries),
            "distinct_names": len(names),
            "unknown_names": sum(1 for q in names if q not in expected),
            "repeated": sum(c - 1 for c in names.values() if c > 1),
            "qtypes": sorted({t for t, _ in queries})}


# --- netvigil ------------------------------------------------------------------------------

def write_netvigil_config(d, n, interval_s):
    import yaml
    probes = [{"id": f"dns-{i:05d}", "kind": "dns", "group": "international", "host": name(i),
               "resolvers": ["bench"], "qtypes": ["A"],
               "source": "https://www.rfc-editor.org/rfc/rfc6761"} for i in range(n)]
    catalog = {"catalog": "bench-dns", "reviewed": "2026-11-26", "license": "CC-BY-4.0",
               "description": "DNS benchmark names on a loopback resolver.", "probes": probes}
    with open(f"{d}/catalog-dns-{n}.yaml", "w", encoding="utf-8") as f:
        yaml.safe_dump(catalog, f, sort_keys=False)
    cfg = {"vantage": {"id": "bench-1", "country": "IR", "timezone": "UTC"},
           "database": f"{d}/netvigil-dns-{n}.db",
           "http": {"listen": NV_METRICS},
           "resolvers": [{"name": "bench", "address": DNS_ADDR, "port": DNS_PORT,
                          "transports": ["udp"]}],
           # The answers are TEST-NET-1 (a bogon by default): ordinary here, so a probe
           # succeeds and takes the normal path, as it would with real addresses.
           "bogons": {"ordinary": ["192.0.2.0/24"]},
           "catalogs": [f"{d}/catalog-dns-{n}.yaml"],
           "schedule": {"interval": f"{interval_s}s", "jitter": "0s",
                        "timeout": f"{PROBE_TIMEOUT_S}s", "max_in_flight": PARALLEL}}
    path = f"{d}/netvigil-dns-{n}.yaml"
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(cfg, f, sort_keys=False)
    r = subprocess.run([NETVIGIL, "check", "-c", path], capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"netvigil check rejected {path}: {r.stdout}{r.stderr}")
    return path


def run_netvigil(d, n, dns, interval_s):
    """Window: from the end of sweep 0 (the resolver saw N queries) to the end of sweep 1
    (2N): one interval holding exactly one sweep, startup excluded."""
    path = write_netvigil_config(d, n, interval_s)
    off = dns.offset()
    log = open(f"{d}/netvigil-dns-{n}.log", "w", encoding="utf-8")
    proc = subprocess.Popen([NETVIGIL, "run", "-c", path], stdout=log, stderr=subprocess.STDOUT)
    a = b = None
    off_a = off_b = off
    lag_max, skipped, ok_total, runs_total = 0.0, None, None, None
    deadline = time.monotonic() + 2 * interval_s + 120
    next_scrape = time.monotonic() + 2
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"netvigil exited {proc.returncode}; see {d}/netvigil-dns-{n}.log")
            c = dns.count(off)
            if a is None and c >= n:
                a, ra, off_a = Snapshot(proc.pid), Snapshot(dns.pid), dns.offset()
            if a is not None and c >= 2 * n:
                b, rb, off_b = Snapshot(proc.pid), Snapshot(dns.pid), dns.offset()
                break
            if time.monotonic() >= next_scrape:  # as often as a Prometheus would scrape it
                next_scrape = time.monotonic() + interval_s
                try:
                    lag_max = max(lag_max, _metric(_get(f"http://{NV_METRICS}/metrics"),
                                                   "netvigil_scheduler_lag_seconds") or 0.0)
                except OSError:
                    pass
            time.sleep(0.2)
        if b is None:
            raise RuntimeError(f"netvigil: {dns.count(off)} of {2 * n} queries within the deadline")
        time.sleep(2.5)  # the recorder commits sweep 1 (commit interval 1 s)
        steady = Snapshot(proc.pid)
        try:
            text = _get(f"http://{NV_METRICS}/metrics", 10.0)
            lag_max = max(lag_max, _metric(text, "netvigil_scheduler_lag_seconds") or 0.0)
            skipped = _metric(text, "netvigil_scheduler_skipped_total")
        except OSError:
            pass
    finally:
        _stop(proc)
        log.close()
    db = f"{d}/netvigil-dns-{n}.db"
    q = subprocess.run(["sqlite3", db, "SELECT count(*), sum(ok) FROM measurements"],
                       capture_output=True, text=True, timeout=60)
    if q.returncode == 0 and q.stdout.strip():
        runs_total, ok_total = (int(x or 0) for x in q.stdout.strip().split("|"))
    cpu = b.cpu - a.cpu
    queries = dns.queries(off_a, off_b)
    return {"tool": "netvigil daemon", "n": n, "mode": f"daemon {interval_s}s",
            "cpu_s": cpu, "sys_share": (b.sys - a.sys) / cpu if cpu else None,
            "cpu_per_1000": _per_1000(cpu, len(queries)),
            "peak_rss_kib": steady.hwm_kib, "steady_rss_kib": steady.rss_kib,
            "steady_anon_kib": steady.anon_kib, "window_s": b.t - a.t,
            "resolver_cpu_per_1000": _per_1000(rb.cpu - ra.cpu, len(queries)),
            "lag_max_s": lag_max, "skipped": skipped,
            "stored_runs": runs_total, "stored_ok": ok_total, "database": db,
            "check": query_check(queries, n)}


# --- blackbox_exporter + Prometheus --------------------------------------------------------

def write_blackbox(d, n, interval_s):
    """blackbox's dns prober takes the name from its module (query_name), the target is the
    server: one module per name, and Prometheus picks it from the target list by relabelling."""
    with open(f"{d}/bb-{n}.yml", "w", encoding="ascii") as f:
        f.write("modules:\n")
        for i in range(n):
            f.write(f"  {name(i)}:\n    prober: dns\n    timeout: {PROBE_TIMEOUT_S}s\n"
                    f"    dns:\n      transport_protocol: udp\n      preferred_ip_protocol: ip4\n"
                    f"      ip_protocol_fallback: false\n      query_name: {name(i)}\n"
                    f"      query_type: A\n      valid_rcodes: [NOERROR]\n")
    targets = ",".join(f'"{name(i)}"' for i in range(n))
    with open(f"{d}/prom-{n}.yml", "w", encoding="ascii") as f:
        f.write(f"""global:
  scrape_interval: {interval_s}s
  scrape_timeout: {min(interval_s, PROBE_TIMEOUT_S + 5)}s
scrape_configs:
  - job_name: blackbox_dns
    metrics_path: /probe
    static_configs:
      - targets: [{targets}]
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_module
      - source_labels: [__address__]
        target_label: instance
      - target_label: __param_target
        replacement: {DNS_ADDR}:{DNS_PORT}
      - target_label: __address__
        replacement: {BB_LISTEN}
""")
    return f"{d}/bb-{n}.yml", f"{d}/prom-{n}.yml"


def run_blackbox(d, n, dns, interval_s):
    """Window: one whole interval, starting one interval (+2 s) after Prometheus is ready, so
    every target's scrape already runs at its own offset."""
    bb_conf, prom_conf = write_blackbox(d, n, interval_s)
    bb_log = open(f"{d}/bb-{n}.log", "w", encoding="utf-8")
    prom_log = open(f"{d}/prom-{n}.log", "w", encoding="utf-8")
    bb = subprocess.Popen(["prometheus-blackbox-exporter", f"--config.file={bb_conf}",
                           f"--web.listen-address={BB_LISTEN}"],
                          stdout=bb_log, stderr=subprocess.STDOUT)
    prom = None
    success = None
    try:
        _wait_http(f"http://{BB_LISTEN}/metrics", bb, 60)
        prom = subprocess.Popen(["prometheus", f"--config.file={prom_conf}",
                                 f"--storage.tsdb.path={d}/tsdb-{n}",
                                 f"--web.listen-address={PROM_LISTEN}",
                                 "--storage.tsdb.retention.time=1d"],
                                stdout=prom_log, stderr=subprocess.STDOUT)
        _wait_http(f"http://{PROM_LISTEN}/-/ready", prom, 60)
        time.sleep(interval_s + 2)
        off_a = dns.offset()
        a_bb, a_prom, ra = Snapshot(bb.pid), Snapshot(prom.pid), Snapshot(dns.pid)
        time.sleep(interval_s)
        b_bb, b_prom, rb = Snapshot(bb.pid), Snapshot(prom.pid), Snapshot(dns.pid)
        off_b = dns.offset()
        if bb.poll() is not None or prom.poll() is not None:
            raise RuntimeError("blackbox_exporter or Prometheus died; see their logs")
        try:
            text = _get(f"http://{PROM_LISTEN}/api/v1/query?query=sum(probe_success)", 20.0)
            success = float(json.loads(text)["data"]["result"][0]["value"][1])
        except (OSError, KeyError, IndexError, ValueError):
            pass
    finally:
        if prom is not None:
            _stop(prom)
        _stop(bb)
        bb_log.close()
        prom_log.close()
    queries = dns.queries(off_a, off_b)
    common = {"n": n, "mode": f"scraped {interval_s}s", "window_s": b_bb.t - a_bb.t,
              "resolver_cpu_per_1000": _per_1000(rb.cpu - ra.cpu, len(queries)),
              "probe_success_sum": success, "check": query_check(queries, n)}
    out = []
    for tool, a, b in (("blackbox_exporter", a_bb, b_bb), ("prometheus (scraping it)", a_prom, b_prom)):
        cpu = b.cpu - a.cpu
        out.append(dict(common, tool=tool, cpu_s=cpu, cpu_per_1000=_per_1000(cpu, len(queries)),
                        sys_share=(b.sys - a.sys) / cpu if cpu else None,
                        peak_rss_kib=b.hwm_kib, steady_rss_kib=b.rss_kib,
                        steady_anon_kib=b.anon_kib))
    return out


# --- table -----------------------------------------------------------------------------------

def fmt(v, spec=".3g"):
    if v is None:
        return "-"
    if isinstance(v, float) and v != v:
        return "nan"
    return format(v, spec) if isinstance(v, (int, float)) else str(v)


def mib(v):
    return v / 1024 if v else None


def print_table(rows):
    head = ["N", "tool", "queries", "distinct", "repeated", "cpu s/1000", "sys %", "peak MiB",
            "steady MiB", "anon MiB", "resolver cpu/1000"]
    body = [[str(r["n"]), r["tool"], str(r["check"]["queries"]), str(r["check"]["distinct_names"]),
             str(r["check"]["repeated"]), fmt(r["cpu_per_1000"]),
             fmt(round(100 * r["sys_share"]) if r.get("sys_share") is not None else None),
             fmt(mib(r["peak_rss_kib"])), fmt(mib(r["steady_rss_kib"])),
             fmt(mib(r["steady_anon_kib"])), fmt(r["resolver_cpu_per_1000"])] for r in rows]
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    for line in [head] + body:
        print("  ".join(x.ljust(w) for x, w in zip(line, widths)))


def ratios(rows):
    out = []
    for n in sorted({r["n"] for r in rows}):
        by = {r["tool"]: r for r in rows if r["n"] == n}
        nv, bb, prom = by.get("netvigil daemon"), by.get("blackbox_exporter"), by.get("prometheus (scraping it)")
        if not nv or not bb:
            continue
        div = lambda x, y: x / y if x is not None and y else None  # noqa: E731
        out.append({"n": n,
                    "cpu_netvigil_over_blackbox": div(nv["cpu_per_1000"], bb["cpu_per_1000"]),
                    "cpu_netvigil_over_blackbox_plus_prometheus": div(
                        nv["cpu_per_1000"], bb["cpu_per_1000"] + (prom["cpu_per_1000"] if prom else 0)),
                    "steady_rss_netvigil_over_blackbox": div(nv["steady_rss_kib"], bb["steady_rss_kib"]),
                    "peak_rss_netvigil_over_blackbox": div(nv["peak_rss_kib"], bb["peak_rss_kib"]),
                    "anon_rss_netvigil_over_blackbox": div(nv["steady_anon_kib"], bb["steady_anon_kib"]),
                    "resolver_cpu_netvigil_over_blackbox": div(nv["resolver_cpu_per_1000"],
                                                               bb["resolver_cpu_per_1000"])})
    return out


def main():
    global NETVIGIL
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--sizes", default="100,1000,10000")
    p.add_argument("--interval", type=int, default=60)
    p.add_argument("--netvigil", default=os.path.join(SRC, "build", "src", "netvigil"))
    p.add_argument("--skip", default="", help="comma list of: netvigil,blackbox")
    p.add_argument("--out", default=os.path.join(SRC, "tests", "bench", "results"))
    p.add_argument("--tag", default="", help="added to the result file names")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    a = p.parse_args()
    NETVIGIL = a.netvigil
    sizes = [int(x) for x in a.sizes.split(",")]
    skip = set(filter(None, a.skip.split(",")))
    if not os.path.exists(NETVIGIL):
        sys.exit(f"no netvigil binary at {NETVIGIL}")
    work = tempfile.mkdtemp(prefix="netvigil-dns-bench-")
    started = time.monotonic()
    print(f"bench dns: work dir {work}; sizes {sizes}; interval {a.interval}s", flush=True)
    load0 = os.getloadavg()
    rows = []
    dns = Dnsmasq(work, max(sizes))
    try:
        for n in sizes:
            if "netvigil" not in skip:
                print(f"bench dns: N={n} netvigil ...", flush=True)
                rows.append(run_netvigil(work, n, dns, a.interval))
            if "blackbox" not in skip:
                print(f"bench dns: N={n} blackbox ...", flush=True)
                rows.extend(run_blackbox(work, n, dns, a.interval))
    finally:
        dns.stop()
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    rat = ratios(rows)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    meta = {"when": stamp, "interval_s": a.interval, "sizes": sizes, "parallel": PARALLEL,
            "netvigil": NETVIGIL, "elapsed_s": time.monotonic() - started,
            "loadavg_start": load0, "loadavg_end": os.getloadavg(),
            "machine": {"cpus": os.cpu_count(), "kernel": platform.release()}}
    print()
    print_table(rows)
    print()
    for r in rat:
        print(f"N={r['n']}: " + ", ".join(f"{k}={fmt(v)}" for k, v in r.items() if k != "n"))
    for r in rows:
        if r["tool"] == "netvigil daemon":
            print(f"N={r['n']} netvigil: lag max {fmt(r['lag_max_s'])} s, skipped {fmt(r['skipped'])}, "
                  f"stored {r['stored_runs']} runs ({r['stored_ok']} ok)")
        if r["tool"] == "blackbox_exporter":
            print(f"N={r['n']} blackbox: sum(probe_success) {fmt(r['probe_success_sum'])}")
    print(f"load average start {load0[0]:.2f}, end {os.getloadavg()[0]:.2f}")
    base = os.path.join(a.out, f"dns-{stamp}{('-' + a.tag) if a.tag else ''}")
    with open(base + ".json", "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "rows": rows, "ratios": rat}, f, indent=1, default=str)
    cols = ["n", "tool", "mode", "cpu_s", "cpu_per_1000", "sys_share", "peak_rss_kib",
            "steady_rss_kib", "steady_anon_kib", "window_s", "resolver_cpu_per_1000", "lag_max_s"]
    with open(base + ".csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols + ["queries", "distinct_names", "repeated", "unknown_names"])
        for r in rows:
            c = r["check"]
            w.writerow([r.get(k) for k in cols] + [c["queries"], c["distinct_names"],
                                                    c["repeated"], c["unknown_names"]])
    print(f"\nwrote {base}.json and {base}.csv ({meta['elapsed_s']:.0f} s)")


NETVIGIL = None

if __name__ == "__main__":
    main()
