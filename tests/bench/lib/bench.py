"""netvigil against blackbox_exporter + Prometheus and curl --parallel, in one run on one
machine; storage per measurement; the detector benchmark. Runs inside the private network
and mount namespace tests/bench/run makes. Prints a table, writes CSV and JSON."""
import argparse
import csv
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab  # noqa: E402
import tools  # noqa: E402

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="N = 100, 1000 at a 15 s interval (< 3 min)")
    p.add_argument("--sizes", help="comma-separated N (default 100,1000,10000; quick 100,1000)")
    p.add_argument("--interval", type=int, help="daemon / scrape interval in s (default 60; quick 15)")
    p.add_argument("--netvigil", default=os.path.join(SRC, "build", "src", "netvigil"))
    p.add_argument("--build-dir", default=os.path.join(SRC, "build"),
                   help="where detector_bench is built")
    p.add_argument("--skip", default="", help="comma list of: curl,once,daemon,blackbox,detector")
    p.add_argument("--scale", action="store_true",
                   help="also find the largest probes/minute with scheduler lag < 1 s (+2..6 min)")
    p.add_argument("--parallel", type=int, default=tools.PARALLEL,
                   help="curl --parallel-max and netvigil max_in_flight (default 64)")
    p.add_argument("--out", default=os.path.join(SRC, "tests", "bench", "results"))
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument("--ca-bundle", action="store_true",
                   help="every tool trusts the system CA bundle plus the test CA (the cost a "
                        "real deployment pays) instead of the test CA alone")
    a = p.parse_args()
    tools.PARALLEL = a.parallel
    a.sizes = [int(x) for x in (a.sizes or ("100,1000" if a.quick else "100,1000,10000")).split(",")]
    a.interval = a.interval or (15 if a.quick else 60)
    a.skip = set(filter(None, a.skip.split(",")))
    a.scale = a.scale and "scale" not in a.skip
    return a


def ratio(x, y):
    return x / y if x is not None and y not in (None, 0) else None


def storage_figures(db):
    """Bytes per stored measurement from dbstat (pages of the measurements table and its
    evidence) and from the whole file."""
    q = ("SELECT name, SUM(pgsize), SUM(payload) FROM dbstat GROUP BY name;"
         "SELECT COUNT(*) FROM measurements;"
         "SELECT COUNT(*) FROM evidence;")
    r = subprocess.run(["sqlite3", "-separator", "\t", db, q], capture_output=True, text=True,
                       timeout=120, check=True)
    lines = r.stdout.strip().splitlines()
    tables = {}
    for line in lines[:-2]:
        name, pg, payload = line.split("\t")
        tables[name] = {"pages_bytes": int(pg), "payload_bytes": int(payload or 0)}
    rows, evidence_rows = int(lines[-2]), int(lines[-1])
    m = tables.get("measurements", {"pages_bytes": 0, "payload_bytes": 0})
    ev = tables.get("evidence", {"pages_bytes": 0, "payload_bytes": 0})
    file_bytes = os.path.getsize(db)
    return {"rows": rows, "evidence_rows": evidence_rows,
            "measurements_pages_per_row": m["pages_bytes"] / rows if rows else None,
            "measurements_payload_per_row": m["payload_bytes"] / rows if rows else None,
            "evidence_pages_bytes": ev["pages_bytes"],
            "file_bytes": file_bytes, "file_per_row": file_bytes / rows if rows else None,
            "tables": tables}


def run_detector_bench(build_dir, quick):
    r = subprocess.run(["cmake", "--build", build_dir, "--target", "detector_bench"],
                       capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        return {"error": "build failed: " + r.stdout[-2000:] + r.stderr[-2000:]}
    exe = os.path.join(build_dir, "tests", "bench", "detector_bench")
    days = "90" if quick else "365"
    t0 = time.monotonic()
    r = subprocess.run([exe, days], capture_output=True, text=True, timeout=900)
    return {"days": int(days), "probes": 200, "exit": r.returncode,
            "wall_s": time.monotonic() - t0, "output": r.stdout.strip() + r.stderr.strip()}


def fmt(v, spec=".3g"):
    if v is None:
        return "-"
    if isinstance(v, float) and v != v:
        return "nan"
    return format(v, spec) if isinstance(v, (int, float)) else str(v)


def print_table(rows):
    head = ["N", "tool", "mode", "probes", "conn/req", "resumed", "cpu s/1000", "sys %", "peak MiB",
            "steady MiB", "anon MiB", "wall s", "nginx cpu/1000"]
    body = []
    for r in rows:
        s = r["server"]
        body.append([str(r["n"]), r["tool"], r["mode"], str(r["probes"]),
                     f'{s["connections"]}/{s["requests"]}', str(s["resumed_sessions"]),
                     fmt(r["cpu_per_1000"]),
                     fmt(round(100 * r["sys_share"]) if r.get("sys_share") is not None else None),
                     fmt(r["peak_rss_kib"] / 1024 if r["peak_rss_kib"] else None),
                     fmt(r["steady_rss_kib"] / 1024 if r.get("steady_rss_kib") else None),
                     fmt(r["steady_anon_kib"] / 1024 if r.get("steady_anon_kib") else None),
                     fmt(r.get("wall_s")), fmt(r["nginx_cpu_per_1000"])])
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    for line in [head] + body:
        print("  ".join(x.ljust(w) for x, w in zip(line, widths)))


def ratios(rows):
    out = []
    for n in sorted({r["n"] for r in rows}):
        by = {r["tool"]: r for r in rows if r["n"] == n}
        nv, once = by.get("netvigil daemon"), by.get("netvigil run --once")
        bb, curl = by.get("blackbox_exporter"), by.get("curl --parallel")
        prom = by.get("prometheus (scraping it)")
        g = lambda r, k: r[k] if r else None  # noqa: E731
        out.append({
            "n": n,
            "cpu_daemon_over_blackbox": ratio(g(nv, "cpu_per_1000"), g(bb, "cpu_per_1000")),
            "cpu_daemon_over_blackbox_plus_prometheus": ratio(
                g(nv, "cpu_per_1000"),
                (g(bb, "cpu_per_1000") or 0) + (g(prom, "cpu_per_1000") or 0) if bb else None),
            "steady_rss_daemon_over_blackbox": ratio(g(nv, "steady_rss_kib"), g(bb, "steady_rss_kib")),
            "peak_rss_daemon_over_blackbox": ratio(g(nv, "peak_rss_kib"), g(bb, "peak_rss_kib")),
            "anon_rss_daemon_over_blackbox": ratio(g(nv, "steady_anon_kib"), g(bb, "steady_anon_kib")),
            "cpu_daemon_over_curl": ratio(g(nv, "cpu_per_1000"), g(curl, "cpu_per_1000")),
            "cpu_once_over_curl": ratio(g(once, "cpu_per_1000"), g(curl, "cpu_per_1000")),
            "peak_rss_once_over_curl": ratio(g(once, "peak_rss_kib"), g(curl, "peak_rss_kib")),
            "wall_once_over_curl": ratio(g(once, "wall_s"), g(curl, "wall_s")),
        })
    return out


def main():
    a = parse_args()
    if not os.path.exists(a.netvigil):
        sys.exit(f"no netvigil binary at {a.netvigil}")
    os.makedirs(a.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="netvigil-bench-")
    started = time.monotonic()
    print(f"bench: work dir {work}; sizes {a.sizes}; interval {a.interval}s", flush=True)
    ca = lab.make_pki(work)
    if a.ca_bundle:
        bundle = f"{work}/bundle.pem"
        with open(bundle, "wb") as out:
            for path in ("/etc/ssl/certs/ca-certificates.crt", ca):
                with open(path, "rb") as f:
                    out.write(f.read())
        ca = bundle
    lab.bind_hosts(work, max(a.sizes))
    nginx = lab.Nginx(work)
    rows, storage, detector, scale = [], None, None, None
    try:
        for n in a.sizes:
            steps = [("curl", lambda: [tools.run_curl(work, n, ca, nginx)]),
                     ("once", lambda: [tools.run_netvigil_once(work, n, ca, nginx, a.netvigil)]),
                     ("daemon", lambda: [tools.run_netvigil_daemon(work, n, ca, nginx, a.netvigil,
                                                                   a.interval)]),
                     ("blackbox", lambda: tools.run_blackbox(work, n, ca, nginx, a.interval))]
            for name, fn in steps:
                if name in a.skip:
                    continue
                t0 = time.monotonic()
                print(f"bench: N={n} {name} ...", flush=True)
                for r in fn():
                    r["step_s"] = time.monotonic() - t0
                    rows.append(r)
                    if r["tool"] == "netvigil daemon":
                        storage = dict(storage_figures(r["database"]), n=n)
        if a.scale:
            print("bench: scale (daemon sweeps at 60 s, lag < 1 s) ...", flush=True)
            try:
                scale = tools.run_scale(work, ca, nginx, a.netvigil)
            except (RuntimeError, OSError, subprocess.SubprocessError) as e:  # keep the rows
                scale = {"largest_ok_per_min": None, "first_failing_per_min": None,
                         "points": [], "error": str(e)}
                print(f"bench: scale search failed: {e}", flush=True)
        if "detector" not in a.skip:
            print("bench: detector_bench ...", flush=True)
            detector = run_detector_bench(a.build_dir, a.quick)
    finally:
        nginx.stop()
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)

    rat = ratios(rows)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    kind = ("quick" if a.quick else "full") + ("-bundle" if a.ca_bundle else "")
    meta = {"parallel": a.parallel, "when": stamp, "mode": kind, "ca": "system bundle + test CA" if a.ca_bundle else "test CA only", "interval_s": a.interval, "sizes": a.sizes,
            "machine": {"cpus": os.cpu_count(), "kernel": platform.release(),
                        "python": platform.python_version()},
            "netvigil": a.netvigil, "elapsed_s": time.monotonic() - started}
    print()
    print_table(rows)
    print()
    for r in rat:
        print(f"N={r['n']}: " + ", ".join(f"{k}={fmt(v)}" for k, v in r.items() if k != "n"))
    for r in rows:
        if r["tool"] == "netvigil daemon":
            print(f"N={r['n']} netvigil daemon: scheduler lag max {fmt(r['lag_max_s'])} s, "
                  f"in flight max {fmt(r['in_flight_max'])}, skipped {fmt(r['skipped'])}, "
                  f"{r['n'] * 60 / a.interval:.0f} probes/min")
    if storage:
        print(f"storage (N={storage['n']}, {storage['rows']} rows): measurements table "
              f"{fmt(storage['measurements_pages_per_row'])} B/row in pages, "
              f"{fmt(storage['measurements_payload_per_row'])} B/row payload; whole file "
              f"{fmt(storage['file_per_row'])} B/row ({storage['file_bytes']} B)")
    if scale and scale.get("error"):
        print(f"scale: search failed: {scale['error']}")
    elif scale:
        print(f"scale: largest sweep started with lag < 1 s: {scale['largest_ok_per_min']} "
              f"probes/min (first failing: {scale['first_failing_per_min']}); points: " +
              ", ".join(f"{p['n']}: lag {p['lag_max_s']:.2f} s, sweep {p['sweep_s']:.1f} s"
                        for p in scale["points"]))
    if detector:
        print("detector_bench:", detector.get("output") or detector.get("error"))
    base = os.path.join(a.out, f"bench-{kind}-{stamp}")
    with open(base + ".json", "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "rows": rows, "ratios": rat, "storage": storage,
                   "scale": scale, "detector": detector}, f, indent=1, default=str)
    cols = ["n", "tool", "mode", "probes", "cpu_s", "cpu_per_1000", "sys_share", "peak_rss_kib",
            "steady_rss_kib", "steady_anon_kib", "steady_file_kib", "wall_s", "window_s", "nginx_cpu_per_1000", "lag_max_s", "skipped"]
    with open(base + ".csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols + ["connections", "requests", "reused_connections", "resumed_sessions",
                           "non_200", "protocols"])
        for r in rows:
            s = r["server"]
            w.writerow([r.get(c) for c in cols] + [s["connections"], s["requests"],
                       s["reused_connections"], s["resumed_sessions"], s["non_200"],
                       "+".join(s["protocols"])])
    print(f"\nwrote {base}.json and {base}.csv ({meta['elapsed_s']:.0f} s)")


if __name__ == "__main__":
    main()
