"""The contenders: curl --parallel (one shot), netvigil run --once (one shot), the netvigil
daemon, and blackbox_exporter driven by Prometheus. Each returns one result dict per
process measured; every process started here is stopped here, by PID."""
import json
import os
import signal
import subprocess
import time
import urllib.request

import lab
from procstat import Snapshot, run_measured

PARALLEL = 64          # curl --parallel-max and netvigil max_in_flight
PROBE_TIMEOUT_S = 5    # per probe, every tool
NV_METRICS = "127.0.0.1:9567"
BB_LISTEN = "127.0.0.1:9115"
PROM_LISTEN = "127.0.0.1:9090"


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


def _per_1000(cpu, probes):
    return cpu / probes * 1000 if probes else float("nan")


# --- curl --------------------------------------------------------------------------------

def run_curl(d, n, ca, nginx):
    """curl --parallel over the same URLs; --connect-to pins the address as netvigil's
    `address:` does, so neither pays for name resolution."""
    cfg = f"{d}/curl-{n}.cfg"
    with open(cfg, "w", encoding="ascii") as f:
        for i in range(n):
            f.write(f'url = "{lab.url(i)}"\noutput = "/dev/null"\n')
    off = nginx.log_offset()
    cpu0 = Snapshot(nginx.pid).cpu
    cmd = ["curl", "--parallel", "--parallel-max", str(PARALLEL), "--no-keepalive", "-s",
           "--cacert", ca, "--connect-to", f"::127.0.0.1:{lab.PORT}",
           "--max-time", str(PROBE_TIMEOUT_S), "-K", cfg]
    with open(f"{d}/curl-{n}.err", "w", encoding="utf-8") as err:
        rc, wall, cpu, maxrss, sys_s = run_measured(cmd, 600, subprocess.DEVNULL, err)
    time.sleep(0.3)
    entries = nginx.entries(off)
    return {"tool": "curl --parallel", "mode": "one-shot", "n": n, "exit": rc,
            "probes": len(entries), "cpu_s": cpu, "sys_share": sys_s / cpu if cpu else None,
            "cpu_per_1000": _per_1000(cpu, len(entries)),
            "peak_rss_kib": maxrss, "steady_rss_kib": None, "wall_s": wall,
            "nginx_cpu_per_1000": _per_1000(Snapshot(nginx.pid).cpu - cpu0, len(entries)),
            "server": lab.connection_check(entries)}


# --- netvigil ----------------------------------------------------------------------------

CATALOG_CHUNK = 10_000


def write_netvigil_config(d, n, ca, interval_s, tag):
    import yaml
    probes = [{"id": f"bench-{i:05d}", "kind": "http", "group": "international",
               "url": lab.url(i), "address": "127.0.0.1",
               "source": "https://www.rfc-editor.org/rfc/rfc6761"} for i in range(n)]
    # netvigil refuses a config or catalog file over 4 MiB (~25,000 of these entries): at most
    # 10,000 probes a file, as an operator with that many targets would split them.
    cat_paths = []
    for k, first in enumerate(range(0, n, CATALOG_CHUNK)):
        catalog = {"catalog": "bench" if k == 0 else f"bench-{k + 1}", "reviewed": "2026-11-26",
                   "license": "CC-BY-4.0", "description": "Benchmark targets on loopback.",
                   "probes": probes[first:first + CATALOG_CHUNK]}
        cat_paths.append(f"{d}/catalog-{tag}.yaml" if k == 0 else f"{d}/catalog-{tag}-{k + 1}.yaml")
        with open(cat_paths[-1], "w", encoding="utf-8") as f:
            yaml.safe_dump(catalog, f, sort_keys=False)
    cfg = {"vantage": {"id": "bench-1", "country": "IR", "timezone": "UTC"},
           "database": f"{d}/netvigil-{tag}.db",
           "http": {"listen": NV_METRICS},
           "ca_file": ca,
           "catalogs": cat_paths,
           "schedule": {"interval": f"{interval_s}s", "jitter": "0s",
                        "timeout": f"{PROBE_TIMEOUT_S}s", "max_in_flight": PARALLEL}}
    path = f"{d}/netvigil-{tag}.yaml"
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(cfg, f, sort_keys=False)
    return path


def check_config(netvigil, path):
    r = subprocess.run([netvigil, "check", "-c", path], capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"netvigil check rejected {path}: {r.stdout}{r.stderr}")


def run_netvigil_once(d, n, ca, nginx, netvigil):
    path = write_netvigil_config(d, n, ca, 60, f"once-{n}")
    check_config(netvigil, path)
    off = nginx.log_offset()
    cpu0 = Snapshot(nginx.pid).cpu
    out_path = f"{d}/once-{n}.jsonl"
    with open(out_path, "w", encoding="utf-8") as out, \
            open(f"{d}/once-{n}.err", "w", encoding="utf-8") as err:
        rc, wall, cpu, maxrss, sys_s = run_measured(
            [netvigil, "run", "--once", "--json", "-c", path], 900, out, err)
    time.sleep(0.3)
    entries = nginx.entries(off)
    ok = 0
    with open(out_path, encoding="utf-8") as f:
        for line in f:
            if line.strip() and json.loads(line).get("ok"):
                ok += 1
    return {"tool": "netvigil run --once", "mode": "one-shot", "n": n, "exit": rc,
            "probes": len(entries), "ok": ok, "cpu_s": cpu,
            "sys_share": sys_s / cpu if cpu else None,
            "cpu_per_1000": _per_1000(cpu, len(entries)),
            "peak_rss_kib": maxrss, "steady_rss_kib": None, "wall_s": wall,
            "nginx_cpu_per_1000": _per_1000(Snapshot(nginx.pid).cpu - cpu0, len(entries)),
            "server": lab.connection_check(entries)}


def _metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return None


def run_netvigil_daemon(d, n, ca, nginx, netvigil, interval_s):
    """Daemon at `interval_s`: the window runs from the end of sweep 0 (N requests seen by
    the server) to the end of sweep 1 (2N): one interval, one sweep, startup excluded."""
    tag = f"daemon-{n}"
    path = write_netvigil_config(d, n, ca, interval_s, tag)
    check_config(netvigil, path)
    off = nginx.log_offset()
    err = open(f"{d}/{tag}.log", "w", encoding="utf-8")
    proc = subprocess.Popen([netvigil, "run", "-c", path], stdout=err, stderr=subprocess.STDOUT)
    lag_max = 0.0
    in_flight_max = 0.0
    skipped = 0.0
    a = b = None
    ngx_a = ngx_b = 0.0
    off_a = off_b = off
    deadline = time.monotonic() + 2 * interval_s + 120
    next_scrape = time.monotonic() + 2
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"netvigil daemon exited {proc.returncode}; see {d}/{tag}.log")
            count = len(nginx.entries(off))
            if a is None and count >= n:
                a = Snapshot(proc.pid)
                ngx_a = Snapshot(nginx.pid).cpu
                off_a = nginx.log_offset()
            if a is not None and count >= 2 * n:
                b = Snapshot(proc.pid)
                ngx_b = Snapshot(nginx.pid).cpu
                off_b = nginx.log_offset()
                break
            # Scraped as often as a Prometheus at the same interval would (a /metrics page
            # with N probes' series is not free: polling it twice a second doubled the
            # daemon's idle CPU); the lag curve itself is the scale test's job.
            if time.monotonic() >= next_scrape:
                next_scrape = time.monotonic() + interval_s
                try:
                    text = _get(f"http://{NV_METRICS}/metrics")
                    lag_max = max(lag_max, _metric(text, "netvigil_scheduler_lag_seconds") or 0.0)
                    in_flight_max = max(in_flight_max,
                                        _metric(text, "netvigil_probes_in_flight") or 0)
                    skipped = _metric(text, "netvigil_scheduler_skipped_total") or 0.0
                except OSError:
                    pass
            time.sleep(0.2 if n < 5000 else 0.5)
        if b is None:
            raise RuntimeError(f"netvigil daemon: {len(nginx.entries(off))} of {2 * n} "
                               f"requests within the deadline")
        time.sleep(1.5)  # let the recorder commit sweep 1 before stopping
        # Only the window's requests: sweep 2 starts right after sweep 1 (runs are spread
        # over the whole interval), so requests after b are not in the CPU window.
        entries = nginx.entries(off_a, off_b)
        steady = Snapshot(proc.pid)
    finally:
        _stop(proc)
        err.close()
    probes = len(entries)
    cpu = b.cpu - a.cpu
    return {"tool": "netvigil daemon", "mode": f"daemon {interval_s}s", "n": n,
            "exit": proc.returncode, "probes": probes, "cpu_s": cpu,
            "sys_share": (b.sys - a.sys) / cpu if cpu else None,
            "cpu_per_1000": _per_1000(cpu, probes),
            "peak_rss_kib": steady.hwm_kib, "steady_rss_kib": steady.rss_kib,
            "steady_anon_kib": steady.anon_kib, "steady_file_kib": steady.file_kib,
            "wall_s": lab.connection_check(entries[:n])["span_s"] if entries else None,
            "window_s": b.t - a.t,
            "nginx_cpu_per_1000": _per_1000(ngx_b - ngx_a, probes),
            "lag_max_s": lag_max, "in_flight_max": in_flight_max, "skipped": skipped,
            "database": f"{d}/netvigil-{tag}.db",
            "server": lab.connection_check(entries)}


# --- blackbox_exporter + Prometheus ------------------------------------------------------

BB_CONFIG = """modules:
  http_2xx:
    prober: http
    timeout: {timeout}s
    http:
      preferred_ip_protocol: ip4
      ip_protocol_fallback: false
      valid_status_codes: [200]
      tls_config:
        ca_file: {ca}
"""


def run_blackbox(d, n, ca, nginx, interval_s):
    """Prometheus scrapes /probe?target=URL once per target per interval; its scrapes are
    spread over the interval, so the window is one whole interval after the first."""
    tag = f"bb-{n}"
    bb_conf = f"{d}/{tag}-blackbox.yml"
    with open(bb_conf, "w", encoding="utf-8") as f:
        f.write(BB_CONFIG.format(timeout=PROBE_TIMEOUT_S, ca=ca))
    prom_conf = f"{d}/{tag}-prometheus.yml"
    targets = ",".join(f'"{lab.url(i)}"' for i in range(n))
    with open(prom_conf, "w", encoding="utf-8") as f:
        f.write(f"""global:
  scrape_interval: {interval_s}s
  scrape_timeout: {min(interval_s, PROBE_TIMEOUT_S + 5)}s
scrape_configs:
  - job_name: blackbox
    metrics_path: /probe
    params: {{module: [http_2xx]}}
    static_configs:
      - targets: [{targets}]
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: {BB_LISTEN}
""")
    bb_log = open(f"{d}/{tag}-blackbox.log", "w", encoding="utf-8")
    prom_log = open(f"{d}/{tag}-prometheus.log", "w", encoding="utf-8")
    bb = subprocess.Popen(["prometheus-blackbox-exporter", f"--config.file={bb_conf}",
                           f"--web.listen-address={BB_LISTEN}"],
                          stdout=bb_log, stderr=subprocess.STDOUT)
    prom = None
    try:
        _wait_http(f"http://{BB_LISTEN}/metrics", bb, 20)
        prom = subprocess.Popen(["prometheus", f"--config.file={prom_conf}",
                                 f"--storage.tsdb.path={d}/{tag}-tsdb",
                                 f"--web.listen-address={PROM_LISTEN}",
                                 "--storage.tsdb.retention.time=1d"],
                                stdout=prom_log, stderr=subprocess.STDOUT)
        _wait_http(f"http://{PROM_LISTEN}/-/ready", prom, 60)
        time.sleep(interval_s + 2)  # every target's first scrape has started
        off_a = nginx.log_offset()
        a_bb, a_prom, ngx_a = Snapshot(bb.pid), Snapshot(prom.pid), Snapshot(nginx.pid).cpu
        time.sleep(interval_s)
        b_bb, b_prom, ngx_b = Snapshot(bb.pid), Snapshot(prom.pid), Snapshot(nginx.pid).cpu
        off_b = nginx.log_offset()
        if bb.poll() is not None or prom.poll() is not None:
            raise RuntimeError("blackbox_exporter or Prometheus died; see their logs")
    finally:
        if prom is not None:
            _stop(prom)
        _stop(bb)
        bb_log.close()
        prom_log.close()
    entries = nginx.entries(off_a, off_b)
    probes = len(entries)
    common = {"n": n, "mode": f"scraped {interval_s}s", "probes": probes,
              "window_s": b_bb.t - a_bb.t, "wall_s": lab.connection_check(entries)["span_s"],
              "nginx_cpu_per_1000": _per_1000(ngx_b - ngx_a, probes),
              "server": lab.connection_check(entries)}
    out = []
    for name, a, b in (("blackbox_exporter", a_bb, b_bb), ("prometheus (scraping it)", a_prom, b_prom)):
        cpu = b.cpu - a.cpu
        out.append(dict(common, tool=name, exit=0, cpu_s=cpu, cpu_per_1000=_per_1000(cpu, probes),
                        sys_share=(b.sys - a.sys) / cpu if cpu else None,
                        peak_rss_kib=b.hwm_kib, steady_rss_kib=b.rss_kib,
                        steady_anon_kib=b.anon_kib, steady_file_kib=b.file_kib))
    return out


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


# --- scale: the largest sweep the daemon starts on time -----------------------------------

def scale_point(d, n, ca, nginx, netvigil, interval_s=60):
    """One daemon sweep of n probes at `interval_s`; the worst scheduler lag seen while it
    ran (every later sweep is scheduled the same way: slot = origin + offset + k x interval).
    First runs are spread over the whole interval, so a sweep takes one interval: the
    sweep is timed from the first /metrics answer (config parsed, scheduler started)."""
    tag = f"scale-{n}"
    path = write_netvigil_config(d, n, ca, interval_s, tag)
    check_config(netvigil, path)
    off = nginx.log_offset()
    log = open(f"{d}/{tag}.log", "w", encoding="utf-8")
    proc = subprocess.Popen([netvigil, "run", "-c", path], stdout=log, stderr=subprocess.STDOUT)
    lag_max = 0.0
    count = 0
    t0 = time.monotonic()
    ready = None
    end = t0 + 120  # until the daemon is up; then one interval + 15 s
    try:
        while time.monotonic() < end:
            if proc.poll() is not None:
                raise RuntimeError(f"netvigil daemon exited {proc.returncode}; see {d}/{tag}.log")
            try:
                lag_max = max(lag_max, _metric(_get(f"http://{NV_METRICS}/metrics"),
                                               "netvigil_scheduler_lag_seconds") or 0.0)
                if ready is None:
                    ready = time.monotonic()
                    end = ready + interval_s + 15
            except OSError:
                pass
            count = len(nginx.entries(off))
            if count >= n:
                break
            time.sleep(0.25)
        sweep_s = time.monotonic() - (ready or t0)
    finally:
        _stop(proc)
        log.close()
    return {"n": n, "probes_per_min": n * 60 / interval_s, "lag_max_s": lag_max,
            "done": count, "sweep_s": sweep_s,
            "startup_s": (ready - t0) if ready else None}


def run_scale(d, ca, nginx, netvigil, start=1000, limit_s=1.0, runs=6):
    """Double n from `start` until the lag reaches `limit_s`, then bisect; at most `runs`."""
    points = []
    good, bad = 0, None
    n = start
    for _ in range(runs):
        p = scale_point(d, n, ca, nginx, netvigil)
        points.append(p)
        if p["lag_max_s"] < limit_s and p["done"] >= n:
            good = max(good, n)
        else:
            bad = n if bad is None else min(bad, n)
        if bad is None:
            n *= 2
        else:
            if bad - good <= max(250, good // 8):
                break
            n = (good + bad) // 2 // 50 * 50
    return {"largest_ok_per_min": good, "first_failing_per_min": bad, "points": points}
