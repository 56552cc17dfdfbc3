#!/usr/bin/env python3
"""Plots of a lab run, from its CSV files, as PNGs beside them:

    python3 bench/plot.py bench/results/lab-20261123-071500

makes PREFIX-req-per-s.png (median requests/s per server, one panel per
scenario), PREFIX-cpu.png (median server CPU µs per request),
PREFIX-idle.png (bytes held per idle connection) and, when the run had the
1 GiB test, PREFIX-bulk.png (GB/s per raw copy and server). Needs
matplotlib (`pip install matplotlib`); run_lab.py calls it at the end.
"""

import csv
import statistics
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after the backend is chosen)
import matplotlib.ticker  # noqa: E402


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def colour(name):
    """h2kit's models in blue, each peer in a colour of its own, raw copies grey."""
    palette = {"hyper": "tab:orange", "nghttpd": "tab:green", "h2o": "tab:red", "nginx": "tab:purple", "raw": "tab:gray"}
    if name.startswith("h2kit-"):
        return "tab:blue"
    for key, value in palette.items():
        if name.startswith(key):
            return value
    return "tab:brown"


def medians(rows, key):
    """{scenario: {server: median}} in the order the rows came."""
    out = {}
    for row in rows:
        out.setdefault(row["scenario"], {}).setdefault(row["server"], []).append(float(row[key]))
    return {s: {n: statistics.median(v) for n, v in by.items()} for s, by in out.items()}


def panels(data, title, unit, path, fmt):
    """One horizontal bar panel per scenario."""
    scenarios = list(data)
    fig, axes = plt.subplots(1, len(scenarios), figsize=(max(6.0, 4.2 * len(scenarios)), 0.45 * max(len(v) for v in data.values()) + 1.6),
                             squeeze=False)
    for ax, scenario in zip(axes[0], scenarios):
        names = list(data[scenario])[::-1]
        values = [data[scenario][n] for n in names]
        bars = ax.barh(names, values, color=[colour(n) for n in names])
        ax.set_title(scenario)
        ax.set_xlabel(unit)
        ax.bar_label(bars, labels=[fmt(v) for v in values], padding=2, fontsize=8)
        ax.set_xlim(0, max(values) * 1.3 if values and max(values) > 0 else 1)
        ax.tick_params(axis="y", labelsize=8)
        if max(values, default=0) >= 10_000:
            ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v / 1000:.0f}k"))
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot(prefix):
    prefix = str(prefix)
    made = []
    if Path(f"{prefix}.csv").exists():
        rows = read(f"{prefix}.csv")
        made.append(panels(medians(rows, "req_per_s"), "requests/s (median; higher is better)", "req/s",
                           f"{prefix}-req-per-s.png", lambda v: f"{v / 1000:.0f}k"))
        made.append(panels(medians(rows, "cpu_us_per_req"), "server CPU per request (median; lower is better)", "µs",
                           f"{prefix}-cpu.png", lambda v: f"{v:.2f}"))
    if Path(f"{prefix}-memory.csv").exists():
        mem = [r for r in read(f"{prefix}-memory.csv") if r["idle_bytes_per_conn"] != ""]
        if mem:
            data = {"idle connection": {r["server"]: float(r["idle_bytes_per_conn"]) for r in mem}}
            made.append(panels(data, "memory per idle HTTP/2 connection (lower is better)", "bytes",
                               f"{prefix}-idle.png", lambda v: f"{v:,.0f}"))
    if Path(f"{prefix}-bulk.csv").exists():
        bulk = read(f"{prefix}-bulk.csv")
        for row in bulk:
            row["scenario"] = "1 GiB, one stream"
        made.append(panels(medians(bulk, "gb_per_s"), "1 GiB over loopback (median GB/s; higher is better)", "GB/s",
                           f"{prefix}-bulk.png", lambda v: f"{v:.2f}"))
    return made


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: plot.py bench/results/lab-STAMP")
    for png in plot(sys.argv[1]):
        print(png)
