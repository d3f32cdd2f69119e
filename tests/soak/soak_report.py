# Soak figures: config-derived predictions, dbstat, the summary and the gnuplot PNG (tests/soak/run).
import csv
import os
import re
import subprocess

import yaml

SIM = 60 / 5          # simulated seconds per real second (production 60 s interval, soak 5 s)
PRUNE_EVERY_S = 3600  # MeasurementStore prune_every (src/store/measurement_store.hpp)
RSS_LIMIT_KB = 1024   # issue 8: RSS growth under 1 MB per simulated day after warm-up
DB_TOLERANCE = 0.25   # actual database within 25 % of the prediction


def seconds(text):
    m = re.fullmatch(r"(\d+)(ms|s|m|h|d)", str(text))
    return int(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def config_figures(path):
    """Port, probe count and runs per second of the config, as its scheduler would run them."""
    with open(path, encoding="utf-8") as f:
        cfg = yaml.safe_load(f)
    default = seconds(cfg["schedule"]["interval"])
    rate = 0.0
    count = 0
    for cpath in cfg["catalogs"]:
        with open(cpath, encoding="utf-8") as f:
            cat = yaml.safe_load(f)
        items = list(cat.get("probes") or [])
        for s in cat.get("services") or []:
            for c in s.get("checks") or []:
                items.extend(c.get("endpoints") or [])
        for p in items:
            count += 1
            rate += 1 / (seconds(p["interval"]) if "interval" in p else default)
    return {"port": int(cfg["http"]["listen"].rsplit(":", 1)[1]), "entries": count,
            "runs_per_s": rate, "interval_s": default, "raw_s": seconds(cfg["retention"]["raw"]),
            "step_s": seconds(cfg["detector"]["step"])}


def dbstat(db):
    """Bytes (tables + their indexes), rows per table, page figures, from the sqlite3 CLI."""
    q = ("SELECT coalesce(m.tbl_name, s.name), sum(s.pgsize) FROM dbstat s "
         "LEFT JOIN sqlite_master m ON m.name = s.name GROUP BY 1;")
    p = subprocess.run(["sqlite3", "-readonly", "-cmd", ".timeout 10000", db, q],
                       capture_output=True, text=True, timeout=300)
    out = {"bytes": {}, "rows": {}}
    for line in p.stdout.splitlines():
        name, _, b = line.partition("|")
        out["bytes"][name] = int(b)
    for t in list(out["bytes"]):
        if t.startswith("sqlite_"):
            continue
        r = subprocess.run(["sqlite3", "-readonly", "-cmd", ".timeout 10000", db, f"SELECT count(*) FROM {t};"],
                           capture_output=True, text=True, timeout=300)
        out["rows"][t] = int(r.stdout.strip() or 0)
    for pragma in ("page_size", "page_count", "freelist_count"):
        r = subprocess.run(["sqlite3", "-readonly", db, f"PRAGMA {pragma};"],
                           capture_output=True, text=True, timeout=60)
        out[pragma] = int(r.stdout.strip() or 0)
    out["file_bytes"] = os.path.getsize(db)
    return out


def slope(xs, ys):
    n = len(xs)
    if n < 2:
        return 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else 0.0


def num(v):
    return float(v) if v not in ("", None) else None


def normal_floors(rows, t, rss, warm):
    """[(start s, min RSS kB)] of every `normal` phase that starts after the warm-up."""
    out, start, low, prev = [], None, None, None
    for i, r in enumerate(rows):
        sc = r["scenario"]
        if sc != prev:
            if prev == "normal" and start is not None and start >= warm:
                out.append((start, low))
            start, low, prev = t[i], rss[i], sc
        low = min(low, rss[i])
    if prev == "normal" and start is not None and start >= warm:
        out.append((start, low))
    return out


def report(base, info):
    """Write BASE.txt and BASE.png; print the summary; True when every limit held."""
    with open(base + ".csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if len(rows) < 4:
        raise RuntimeError(f"only {len(rows)} samples")
    t = [float(r["t_s"]) for r in rows]
    rss = [int(r["rss_kb"]) for r in rows]
    fds = [int(r["fds"]) for r in rows]
    warm = info["warmup_minutes"] * 60
    if warm > t[-1] / 2:
        warm = t[-1] / 3  # short runs: the first third is warm-up
    post = [i for i, x in enumerate(t) if x >= warm]
    cfg = info["config"]
    lines = []
    say = lines.append

    say(f"netvigil soak {info['stamp']}: {info['minutes']:g} min real = {info['minutes'] * SIM / 60:g} h simulated "
        f"({info['minutes'] * SIM / 1440:.2f} simulated days); {cfg['entries']} probes "
        f"({info['entries']}), interval {cfg['interval_s']:g} s, retention.raw {info['raw']}, "
        f"scenario switch every {info['switch_every']:g} s")
    say(f"binary {info['binary']}; daemon exit {info.get('daemon_exit')}; quick_check: {info.get('quick_check')}")
    say(f"samples {len(rows)}, warm-up {warm / 60:.1f} min (excluded from the growth fit)")

    # RSS
    k = slope([t[i] for i in post], [rss[i] for i in post])  # kB per real second
    per_day = k * 86400 / SIM
    diff = rss[post[-1]] - rss[post[0]]
    diff_day = diff / ((t[post[-1]] - t[post[0]]) * SIM / 86400)
    hwm = max(int(r["hwm_kb"]) for r in rows)
    # The least-squares fit moves with where pile-ups fall (one at the start pulls it down,
    # one near the end up); the idle floor, the lowest RSS of each `normal` phase after
    # warm-up, does not. Both must stay under the limit.
    floors = normal_floors(rows, t, rss, warm)
    floor_day = (slope([a for a, _ in floors], [b for _, b in floors]) * 86400 / SIM
                 if len(floors) >= 2 else 0.0)
    rss_ok = per_day < RSS_LIMIT_KB and floor_day < RSS_LIMIT_KB
    say(f"RSS: first sample {rss[0] / 1024:.1f} MB, after warm-up {rss[post[0]] / 1024:.1f} MB, "
        f"end {rss[-1] / 1024:.1f} MB, max {max(rss) / 1024:.1f} MB, VmHWM {hwm / 1024:.1f} MB")
    say(f"RSS growth after warm-up: {per_day / 1024:+.3f} MB per simulated day (least squares over "
        f"{len(post)} samples; end-minus-start {diff_day / 1024:+.3f} MB/sim day) "
        f"-> {'OK' if per_day < RSS_LIMIT_KB else 'OVER'} the 1 MB/day limit")
    if floors:
        say(f"RSS idle floor (lowest sample of each normal phase after warm-up, {len(floors)} phases): "
            f"first {floors[0][1] / 1024:.2f} MB, last {floors[-1][1] / 1024:.2f} MB, trend "
            f"{floor_day / 1024:+.3f} MB per simulated day -> "
            f"{'OK' if floor_day < RSS_LIMIT_KB else 'OVER'} the 1 MB/day limit")

    # fds: the count moves with the probes in flight, so compare the idle floor (normal scenario).
    fd_post = [fds[i] for i in post]
    normal = [i for i in post if rows[i]["scenario"] == "normal"]
    third = max(1, len(normal) // 3)
    early = [fds[i] for i in normal[:third]] or fd_post[:3]
    late = [fds[i] for i in normal[-third:]] or fd_post[-3:]
    fd_slope_day = slope([t[i] for i in post], fd_post) * 86400 / SIM
    fds_ok = min(late) - min(early) <= 2
    say(f"fds: min {min(fds)}, max {max(fds)} (after warm-up {min(fd_post)}..{max(fd_post)}); "
        f"floor in normal samples early {min(early)}, late {min(late)}; trend {fd_slope_day:+.2f} fds/sim day "
        f"-> {'flat' if fds_ok else 'GROWING'}")

    # Database vs retention.
    fin = info["final"]
    cal = info.get("calib") or fin
    T = fin["t_s"]
    kept_s = min(T, cfg["raw_s"] + PRUNE_EVERY_S)
    pred_rows = cfg["runs_per_s"] * kept_s
    meas = fin["rows"].get("measurements", 0)
    # Evidence rows are pruned with the measurements that use them: both count as raw bytes.
    raw_tables = ("measurements", "evidence")
    bpr = sum(cal["bytes"].get(n, 0) for n in raw_tables) / max(1, cal["rows"].get("measurements", 1))
    others = sum(b for n, b in fin["bytes"].items() if n not in raw_tables)
    pred_db = pred_rows * bpr + others
    actual = fin["file_bytes"]
    db_ok = abs(actual - pred_db) <= DB_TOLERANCE * pred_db
    plateau_rows = cfg["runs_per_s"] * (cfg["raw_s"] + PRUNE_EVERY_S)
    say(f"measurements: {meas} rows after {T:.0f} s; the config schedules {cfg['runs_per_s']:.1f} runs/s "
        f"-> {pred_rows:.0f} rows kept (retention.raw {cfg['raw_s'] / 3600:g} h + prune every "
        f"{PRUNE_EVERY_S / 3600:g} h; {100 * meas / pred_rows:.1f} % of them ran, the rest skipped/late)")
    say(f"bytes per measurement row (measurements + evidence, tables + indexes, dbstat at {cal['t_s'] / 60:.1f} min): {bpr:.1f}")
    say("tables at the end (rows, MB incl. indexes): " + ", ".join(
        f"{n} {fin['rows'].get(n, '-')} / {b / 1e6:.2f}" for n, b in sorted(fin["bytes"].items())))
    say(f"DB file {actual / 1e6:.1f} MB (page_size {fin['page_size']}, freelist {fin['freelist_count']} pages); "
        f"predicted {pred_db / 1e6:.1f} MB = {pred_rows:.0f} rows x {bpr:.1f} B + other tables "
        f"{others / 1e6:.1f} MB -> {'OK' if db_ok else 'OFF'} (+-{DB_TOLERANCE:.0%}); "
        f"WAL max {max(int(r['wal_bytes']) for r in rows) / 1e6:.1f} MB")
    say(f"plateau predicted by retention: {plateau_rows:.0f} raw rows x {bpr:.1f} B = "
        f"{plateau_rows * bpr / 1e6:.0f} MB, reached {(cfg['raw_s'] + PRUNE_EVERY_S) / 3600:g} h after start "
        f"(rollups and events are kept for retention.rollups and keep growing slowly)")
    last = rows[-1]
    say(f"scheduler: lag at end {last['sched_lag_s']} s, max {max((num(r['sched_lag_s']) or 0) for r in rows):g} s, "
        f"skipped {last['sched_skipped']}, probe runs {last['probe_runs']}, dropped {last['dropped']}, "
        f"write errors {last['write_errors']}; daemon CPU {float(last['cpu_s']):.0f} s")
    ok = rss_ok and fds_ok and db_ok and info.get("quick_check") == "ok"
    say(f"RESULT: {'PASS' if ok else 'FAIL'}")
    text = "\n".join(lines) + "\n"
    with open(base + ".txt", "w", encoding="utf-8") as f:
        f.write(text)
    print(text, end="")
    plot(base, rows, pred_rows * bpr + others, cfg, bpr, others, warm)
    return ok


def plot(base, rows, pred_end, cfg, bpr, others, warm):
    rate_bytes = cfg["runs_per_s"] * bpr  # predicted growth, bytes per real second, before pruning
    cap = cfg["raw_s"] + PRUNE_EVERY_S
    col = {name: i + 1 for i, name in enumerate(rows[0].keys())}
    tmax = float(rows[-1]["t_s"]) / 60
    x2 = f"set x2range [0:{tmax * 60 * SIM / 86400}]"

    def c(name):
        return f"${col[name]}"
    script = f"""
set terminal pngcairo size 1200,1300 font "DejaVu Sans,10"
set output "{base}.png"
set datafile separator ","
set datafile columnheaders
set key top left
set grid
set multiplot layout 4,1 title "netvigil soak {os.path.basename(base)}: {cfg['entries']} probes every {cfg['interval_s']:g} s, lab scenarios switching; top axis: simulated days (x{SIM:g})"
set xlabel "real time (min)"
set xrange [0:{tmax}]
{x2}
set x2tics
set xtics nomirror
set arrow 1 from first {warm / 60}, graph 0 to first {warm / 60}, graph 1 nohead dt 2 lc rgb "gray"
set ylabel "MB"
set title "daemon memory (dashed line: end of warm-up)"
plot "{base}.csv" using ({c('t_s')}/60):({c('rss_kb')}/1024) with lines lw 2 title "VmRSS", \\
     "" using ({c('t_s')}/60):({c('hwm_kb')}/1024) with lines dt 3 title "VmHWM"
set ylabel "count"
set title "open file descriptors (move with the probes in flight)"
plot "{base}.csv" using ({c('t_s')}/60):({c('fds')}) with linespoints pt 7 ps 0.4 title "open fds", \\
     "" using ({c('t_s')}/60):({c('in_flight')}) with lines dt 2 title "probes in flight"
set ylabel "MB"
set title "database (prediction: config runs/s x {bpr:.0f} B per row, kept {cap / 3600:g} h, + other tables)"
plot "{base}.csv" using ({c('t_s')}/60):({c('db_bytes')}/1e6) with lines lw 2 title "database file", \\
     "" using ({c('t_s')}/60):({c('wal_bytes')}/1e6) with lines title "WAL", \\
     "" using ({c('t_s')}/60):((({c('t_s')} < {cap}) ? {c('t_s')} : {cap}) * {rate_bytes} / 1e6 + {others / 1e6}) with lines dt 2 lc rgb "black" title "predicted"
set ylabel "s"
set title "scheduler lag (from /metrics)"
plot "{base}.csv" using ({c('t_s')}/60):({c('sched_lag_s')}) with lines title "lag"
unset multiplot
"""
    p = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"gnuplot: {p.stderr.strip()[-600:]}")
