#!/usr/bin/env python3
"""Exports, charts and screenshots from a lab run with a blackout in it.

  exports_test.py --runs DIR --netvigil BIN [--results DIR]

One lab: netvigil runs in the vantage namespace through normal → intl-blackout → normal →
dns-poison (tests/lab/schedule). While it still runs, headless Chromium (Debian's
`chromium`, started inside the vantage namespace with background networking off and a fresh
profile) screenshots the status page http://127.0.0.1:9567/. After SIGTERM:

* `netvigil export` in every format (png, svg, html, csv, json, ooni-jsonl, openmetrics with
  --label vantage=…) over the run;
* the vantage's lab address (192.0.2.254, 2001:db8:fe::254, echoed by every lab server into
  headers, bodies and titles) appears in no database file (db, -wal, -shm), no export, and
  not in the status page or /metrics;
* CSV and JSON parse back to the stored figures (ratios = successes/attempts of the stored
  rollups; events = the events table) and show the blackout at the scheduled time;
* every OONI JSONL line carries every df-000 top-level key, one line per stored measurement;
* `promtool tsdb create-blocks-from openmetrics` accepts the openmetrics file, and a
  Prometheus started on those blocks answers the exported values at the exported times;
* the status page, the HTML report and the SVG are rendered by Chromium; screenshots, the
  PNG and the SVG are written to RESULTS (tests/bench/results/) and must not be blank.
"""
import argparse
import calendar
import csv
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import zlib

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab_test import Failures, run  # noqa: E402
from prometheus_test import (PORT, PROM_PORT, REPO, Daemon, Lab, Prom, http_get, in_ns,  # noqa: E402
                             log, read_schedule_log, wait_until)

SEQUENCE = [(0, "normal"), (45, "intl-blackout"), (100, "normal"), (150, "dns-poison")]
END_OFFSET = 200
VANTAGE_ADDRESSES = ("192.0.2.254", "2001:db8:fe::254", "2001:0db8:00fe:0000:0000:0000:0000:0254",
                     "2001:db8:fe:0:0:0:0:254")
DF000_KEYS = ["annotations", "data_format_version", "extensions", "id", "input",
              "measurement_start_time", "probe_asn", "probe_cc", "probe_ip", "probe_network_name",
              "report_id", "resolver_ip", "resolver_asn", "software_name", "software_version",
              "test_name", "test_version", "test_keys", "test_runtime", "test_start_time"]
FORMATS = {"png": "chart.png", "svg": "chart.svg", "html": "report.html", "csv": "timeline.csv",
           "json": "timeline.json", "ooni-jsonl": "measurements.jsonl", "openmetrics": "series.om"}
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--hide-scrollbars"]


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def png_stats(path):
    """(width, height, distinct colours in a sample, share of pixels unlike the commonest one)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG layout depth={depth} colour type={ctype}")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    colours, total = {}, 0
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        if y % 4 == 0:
            for x in range(0, w, 4):
                px = bytes(line[x * bpp:x * bpp + 3])
                colours[px] = colours.get(px, 0) + 1
                total += 1
        prev = line
    background = max(colours.values()) if colours else 0
    return w, h, len(colours), 1 - background / max(total, 1)


def chromium_shot(ns, url, dest, size, out):
    """Screenshot url with headless Chromium inside ns; True if a PNG was written."""
    profile = tempfile.mkdtemp(prefix="nv-chromium-")
    try:
        if os.path.exists(dest):
            os.remove(dest)
        p = in_ns(ns, ["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={dest}",
                       f"--window-size={size}", url], 90)
        if p.returncode != 0 or not os.path.exists(dest):
            out.add(f"chromium could not screenshot {url} (exit {p.returncode}): {p.stderr.strip()[-300:]}")
            return False
        return True
    except subprocess.TimeoutExpired:
        out.add(f"chromium timed out on {url}")
        return False
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def check_image(path, out, min_colours=8, min_ink=0.01):
    try:
        w, h, colours, ink = png_stats(path)
    except (ValueError, zlib.error, struct.error, TypeError) as e:
        out.add(f"{path}: not a readable PNG: {e}")
        return
    log(f"  {os.path.basename(path)}: {w}x{h}, {colours} colours sampled, {ink:.1%} non-background")
    if colours < min_colours or ink < min_ink:
        out.add(f"{path}: looks blank ({colours} colours, {ink:.1%} non-background)")


def scan_for_address(paths, out):
    n = 0
    for path in paths:
        with open(path, "rb") as f:
            data = f.read()
        n += 1
        for addr in VANTAGE_ADDRESSES:
            count = data.lower().count(addr.encode())
            if count:
                out.add(f"{os.path.basename(path)}: the vantage's address {addr} appears {count} times")
    return n


def stored(db_path):
    """Rollup ratios {(t, group): (successes, attempts)} and events rows from the database."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        ratios = {}
        for t, name, att, succ in con.execute(
                "SELECT s.step_start, sc.name, r.attempts, r.successes FROM rollups r "
                "JOIN rollup_steps s ON s.seq = r.seq JOIN scopes sc ON sc.id = r.scope"):
            ratios[(t, name)] = (succ, att)
        events = [dict(zip([d[0] for d in cur.description], row)) for cur in
                  [con.execute("SELECT * FROM events ORDER BY id")] for row in cur.fetchall()]
        n_meas = con.execute("SELECT count(*) FROM measurements").fetchone()[0]
        return ratios, events, n_meas
    finally:
        con.close()


def close(a, b, tol=0.006):
    return a is not None and b is not None and abs(float(a) - float(b)) <= tol


def check_csv_json(files, db, switches, out):
    ratios, events, _ = stored(db)
    with open(files["csv"], newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with open(files["json"], encoding="utf-8") as f:
        doc = json.load(f)
    events_csv = files["csv"] + ".events.csv"
    if not os.path.exists(events_csv):
        out.add("the csv export wrote no events CSV beside the timeline")
        ev_rows = []
    else:
        with open(events_csv, newline="", encoding="utf-8") as f:
            ev_rows = list(csv.DictReader(f))
    timeline = {p["t_unix"]: p for p in doc["timeline"]}
    log(f"  csv: {len(rows)} timeline rows, {len(ev_rows)} event rows; json: {len(timeline)} steps, "
        f"{len(doc['events'])} events; database: {len(ratios)} rollups, {len(events)} events")
    compared = 0
    for r in rows:
        t = calendar.timegm(time.strptime(r["time"], "%Y-%m-%dT%H:%M:%SZ"))
        p = timeline.get(t)
        if p is None:
            out.add(f"csv row {r['time']} has no json step")
            continue
        if r["state"] != p["state"]:
            out.add(f"{r['time']}: csv state {r['state']} != json {p['state']}")
        for g in ("international", "domestic", "isp", "local"):
            sa = ratios.get((t, g))
            jr = p["groups"][g]["ratio"]
            cr = r[f"{g}_ratio"]
            if sa is None or sa[1] == 0:
                if cr != "" or jr is not None:
                    out.add(f"{r['time']} {g}: exported ratio {cr!r}/{jr!r} but nothing stored")
                continue
            want = sa[0] / sa[1]
            compared += 1
            if not close(cr or None, want) or not close(jr, want):
                out.add(f"{r['time']} {g}: csv {cr} json {jr} != stored {sa[0]}/{sa[1]} = {want:.4f}")
            ci, ji = r[f"{g}_index"], p["groups"][g]["index"]
            if not close(ci or None, ji, 0.01):
                out.add(f"{r['time']} {g}: csv index {ci} != json index {ji}")
    if compared < 20:
        out.add(f"only {compared} group ratios compared with the database")
    # Events: csv, json and database agree; the blackout lies where the schedule put it.
    db_ev = {(e["type"], e["scope"], e["start"]): e for e in events}
    for e in doc["events"]:
        k = (e["type"], e["scope"], e["start_unix"])
        if k not in db_ev:
            out.add(f"json event {k} not in the database")
        elif (db_ev[k]["end"] or None) != e.get("end_unix"):
            out.add(f"json event {k} end {e.get('end_unix')} != stored {db_ev[k]['end']}")
    csv_keys = {(e["type"], e["scope"], e["start"]) for e in ev_rows}
    json_keys = {(e["type"], e["scope"], e["start"]) for e in doc["events"]}
    if csv_keys != json_keys:
        out.add(f"events differ: csv {sorted(csv_keys)} json {sorted(json_keys)}")
    sw = dict((name, t) for t, name in reversed(switches))
    cut_start = next(t for t, n in switches if n == "intl-blackout")
    cut_end = next(t for t, n in switches if n == "normal" and t > cut_start)
    intl = [e for e in doc["events"] if e["type"] == "intl_blackout"]
    if len(intl) != 1:
        out.add(f"expected one intl_blackout event, json has {len(intl)}")
    else:
        e = intl[0]
        log(f"  intl_blackout event {e['start']} – {e['end']} (switches {iso(cut_start)} – {iso(cut_end)}), "
            f"min index {e['min_index']:.1f}")
        if not (cut_start - 10 <= e["start_unix"] <= cut_start + 10):
            out.add(f"blackout starts {e['start']}, the cut began {iso(cut_start)}")
        if e.get("end_unix") is None or not (cut_end - 10 <= e["end_unix"] <= cut_end + 20):
            out.add(f"blackout ends {e.get('end')}, the cut ended {iso(cut_end)}")
    states = {p["state"] for p in doc["timeline"] if cut_start + 30 <= p["t_unix"] < cut_end}
    if states != {"intl_blackout"}:
        out.add(f"json states during the cut: {sorted(states)}")
    services = [e for e in doc["events"] if e["type"] == "service_interference"]
    if not services or any(e["method"] != "dns" or e["start_unix"] < sw["dns-poison"] - 10 for e in services):
        out.add(f"dns-poison: service events {[(e['service'], e['method'], e['start']) for e in services]}")
    return doc


def check_ooni(path, n_meas, out):
    n, missing, bad = 0, {}, []
    failures = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            n += 1
            try:
                m = json.loads(line)
            except json.JSONDecodeError as e:
                bad.append(f"line {n}: {e}")
                continue
            for k in DF000_KEYS:
                if k not in m:
                    missing[k] = missing.get(k, 0) + 1
            if m.get("data_format_version") != "0.2.0" or m.get("probe_ip") != "127.0.0.1":
                bad.append(f"line {n}: data_format_version {m.get('data_format_version')!r} "
                           f"probe_ip {m.get('probe_ip')!r}")
            tk = m.get("test_keys") or {}
            for k in ("queries", "tcp_connect", "tls_handshakes", "requests"):
                if not isinstance(tk.get(k), list):
                    bad.append(f"line {n}: test_keys.{k} is not a list")
            if tk.get("failure"):
                failures.add(tk["failure"])
    log(f"  ooni-jsonl: {n} lines ({n_meas} stored measurements), failures {sorted(failures)[:6]}")
    for k, c in missing.items():
        out.add(f"ooni-jsonl: {c} lines lack the df-000 key {k}")
    for b in bad[:5]:
        out.add(f"ooni-jsonl: {b}")
    if n != n_meas:
        out.add(f"ooni-jsonl has {n} lines, the database {n_meas} measurements")
    if "generic_timeout_error" not in failures:
        out.add("ooni-jsonl: no generic_timeout_error although the run had an international cut")


def check_openmetrics(path, json_doc, lab, out, daemons):
    """promtool imports the file; a Prometheus on the blocks answers the exported values."""
    blocks = os.path.join(lab.dir, "om-blocks")
    p = run(["promtool", "tsdb", "create-blocks-from", "openmetrics", path, blocks], 120,
            check=False, capture_output=True)
    if p.returncode != 0:
        out.add(f"promtool create-blocks-from openmetrics rejected the export: {(p.stdout + p.stderr)[-400:]}")
        return
    made = [d for d in os.listdir(blocks) if os.path.isdir(os.path.join(blocks, d))]
    log(f"  promtool: {len(made)} blocks")
    if not made:
        out.add("promtool created no block")
        return
    cfg = os.path.join(lab.dir, "om-prometheus.yml")
    with open(cfg, "w", encoding="utf-8") as f:
        f.write("global: {}\n")
    prom_proc = Daemon("prometheus (blocks)", lab.ns,
                       ["prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={blocks}",
                        f"--web.listen-address=127.0.0.1:{PROM_PORT}", "--storage.tsdb.retention.time=30d",
                        "--log.level=warn"], os.path.join(lab.dir, "om-prometheus.log"))
    daemons.append(prom_proc)
    prom = Prom(lab.ns)
    if not wait_until(lambda: http_get(lab.ns, f"{prom.base}/-/ready", 2)[0] == 200, 60):
        out.add("prometheus on the imported blocks did not become ready")
        return
    checked = 0
    labels = json_doc["vantage"]["id"]
    for p_ in json_doc["timeline"]:
        for g in ("international", "domestic"):
            want = p_["groups"][g]["index"]
            if want is None:
                continue
            r = prom.query(f'netvigil_connectivity_index_percent{{group="{g}",vantage="{labels}"}}',
                           p_["t_unix"])
            res = r.get("data", {}).get("result", [])
            got = [float(x["value"][1]) for x in res]
            checked += 1
            if len(got) != 1 or not close(got[0], want, 0.01):
                out.add(f"imported {g} index at {p_['t']}: {got}, exported {want}")
                if checked > 20:
                    return
    log(f"  prometheus on the imported blocks: {checked} index values compared")
    if checked < 10:
        out.add(f"only {checked} imported values compared")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", required=True)
    ap.add_argument("--netvigil", required=True)
    ap.add_argument("--results", default=os.path.join(REPO, "tests", "bench", "results"))
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("FAIL: the lab needs root (network namespaces); it is not skipped", file=sys.stderr)
        return 1
    for tool in ("chromium", "promtool", "prometheus", "curl"):
        if not shutil.which(tool):
            print(f"FAIL: {tool} not installed (Debian packages chromium, prometheus, curl)", file=sys.stderr)
            return 1
    os.makedirs(args.results, exist_ok=True)
    t_begin = time.monotonic()
    out = Failures()
    lab = Lab(args.runs, "exports", out, "x")
    daemons = []
    sched = None
    try:
        if not lab.up():
            return 1
        nv = Daemon("netvigil", lab.ns, [args.netvigil, "run", "-c", lab.cfg], os.path.join(lab.dir, "netvigil.log"))
        daemons.append(nv)
        if not wait_until(lambda: http_get(lab.ns, f"http://127.0.0.1:{PORT}/healthz", 2)[0] == 200, 30):
            out.add(f"netvigil /healthz did not answer within 30 s (alive: {nv.alive()})")
            return 1
        sched_log = os.path.join(lab.dir, "schedule.log")
        t0 = time.time()
        sched = lab.schedule(SEQUENCE, sched_log)
        log("== schedule: " + ", ".join(f"+{o}s {n}" for o, n in SEQUENCE) + f", end +{END_OFFSET}s")
        while time.time() < t0 + END_OFFSET and nv.alive():
            time.sleep(1)
        if not nv.alive():
            out.add(f"netvigil died during the run (exit {nv.proc.returncode})")
            return 1
        sched.wait(timeout=30)
        switches = read_schedule_log(sched_log)

        log("== status page (daemon running)")
        page_files = []
        for path, name in (("/", "status-page.html"), ("/metrics", "metrics.txt")):
            code, body = http_get(lab.ns, f"http://127.0.0.1:{PORT}{path}")
            if code != 200:
                out.add(f"GET {path}: HTTP {code}")
            dest = os.path.join(lab.dir, name)
            with open(dest, "w", encoding="utf-8") as f:
                f.write(body)
            page_files.append(dest)
        shot = os.path.join(args.results, "status-page.png")
        if chromium_shot(lab.ns, f"http://127.0.0.1:{PORT}/", shot, "1280,1000", out):
            check_image(shot, out)

        rc = nv.stop()
        if rc not in (0, -15):
            out.add(f"netvigil exited {rc} on SIGTERM")
        t_from, t_to = t0 - 60, time.time() + 60
        log("== exports " + iso(t_from) + " .. " + iso(t_to))
        files = {}
        for fmt, name in FORMATS.items():
            dest = os.path.join(lab.dir, "export-" + name)
            cmd = [args.netvigil, "export", "--format", fmt, "--from", iso(t_from), "--to", iso(t_to),
                   "-c", lab.cfg, "-o", dest]
            if fmt == "openmetrics":
                cmd += ["--label", f"vantage=lab-{lab.env['LAB_ID']}"]
            t = time.monotonic()
            p = in_ns(lab.ns, cmd, 120)
            log(f"  {fmt}: exit {p.returncode}, {os.path.getsize(dest) if os.path.exists(dest) else 0} bytes, "
                f"{time.monotonic() - t:.2f} s")
            if p.returncode != 0 or not os.path.exists(dest) or os.path.getsize(dest) == 0:
                out.add(f"export --format {fmt} failed (exit {p.returncode}): {p.stderr.strip()[-300:]}")
                continue
            files[fmt] = dest

        db = os.path.join(lab.dir, "netvigil", "netvigil.db")
        db_files = [os.path.join(lab.dir, "netvigil", f) for f in os.listdir(os.path.join(lab.dir, "netvigil"))
                    if f.startswith("netvigil.db")]
        export_files = list(files.values())
        if "csv" in files and os.path.exists(files["csv"] + ".events.csv"):
            export_files.append(files["csv"] + ".events.csv")
        n = scan_for_address(db_files + export_files + page_files, out)
        log(f"  vantage address: {n} files scanned ({', '.join(os.path.basename(p) for p in db_files)})")

        if len(files) == len(FORMATS):
            log("== csv / json against the database")
            doc = check_csv_json(files, db, switches, out)
            log("== ooni-jsonl")
            check_ooni(files["ooni-jsonl"], stored(db)[2], out)
            log("== openmetrics")
            check_openmetrics(files["openmetrics"], doc, lab, out, daemons)

        log("== images")
        for fmt, name in (("png", "lab-chart.png"), ("svg", "lab-chart.svg")):
            if fmt in files:
                shutil.copyfile(files[fmt], os.path.join(args.results, name))
        if "png" in files:
            check_image(os.path.join(args.results, "lab-chart.png"), out)
        if "svg" in files:
            shot = os.path.join(args.results, "lab-chart-svg-rendered.png")
            if chromium_shot(lab.ns, "file://" + files["svg"], shot, "1200,675", out):
                check_image(shot, out)
        if "html" in files:
            shot = os.path.join(args.results, "lab-report-html.png")
            if chromium_shot(lab.ns, "file://" + files["html"], shot, "1280,1000", out):
                check_image(shot, out)
            # The whole report (summary, events table, method, verification) in one image.
            shot = os.path.join(args.results, "lab-report-html-full.png")
            if chromium_shot(lab.ns, "file://" + files["html"], shot, "1280,2700", out):
                check_image(shot, out)
    except subprocess.TimeoutExpired as e:
        out.add(f"timed out: {e.cmd}")
    finally:
        if sched is not None and sched.poll() is None:
            sched.kill()
            sched.wait(timeout=10)
        for d in reversed(daemons):
            d.stop()
        lab.down()
        log(f"exports lab test: {time.monotonic() - t_begin:.0f} s")
    log(f"exports: {len(out.items)} failures")
    return 1 if out.items else 0


if __name__ == "__main__":
    sys.exit(main())
