#!/usr/bin/env python3
"""Pools the rounds of several lab runs and says, per scenario and h2kit
server, how sure the comparison with h2o is.

One lab run has 9 to 31 rounds, and on this host one run's median ratio
to h2o can land on either side of 1 when the two servers are close (at
c100 m10 both are faster than h2load, which then sets the pace). This
script reads the per-round rows of the given `lab-STAMP.csv` files, takes
each h2kit server's ratio to h2o in the same round (to h2o-w2 for a
`-w2` server), and prints for each scenario and server:

- the median of those ratios over all rounds, requests/s and CPU per
  request;
- a 95% bootstrap interval of that median (resampling the rounds);
- in how many rounds the server was ahead.

An interval that lies wholly on the ahead side (requests/s above 1, CPU
below 1) is a lead the noise does not explain; one that straddles 1 is
not.

    python3 bench/pool.py bench/results/lab-20261123-23*.csv

(the runs' `-memory.csv` and `-bulk.csv` files are skipped).
"""

import argparse
import csv
import random
import statistics
from collections import defaultdict
from pathlib import Path

#: Bootstrap resamples; 2,000 put the interval's ends within about 0.005.
RESAMPLES = 2000

#: Fewer rounds than this give no verdict: resampling three values says
#: nothing about the host's phases.
MIN_ROUNDS = 5


def reference_for(server):
    """The peer a server is compared with: h2o, or h2o-w2 for two workers."""
    return "h2o-w2" if server.endswith("-w2") else "h2o"


#: The columns of a lab run's per-round CSV (`lab-STAMP.csv`).
ROUND_COLUMNS = {"round", "scenario", "server", "req_per_s", "cpu_us_per_req"}


def read_rows(paths):
    """The per-round rows of the lab CSVs at `paths`, each tagged with its
    file so that rounds of different runs stay apart. Other CSVs of a run
    (`-memory.csv`, `-bulk.csv`), which a glob may also match, are
    skipped."""
    rows = []
    for path in paths:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            if not ROUND_COLUMNS <= set(reader.fieldnames or []):
                continue
            rows += [dict(row, run=str(path)) for row in reader]
    return rows


def per_round_ratios(rows):
    """{(scenario, server, "req" | "cpu"): [ratio to the reference in each
    round where both ran]} over lab rows (from a CSV or from a run in
    progress)."""
    ratios = defaultdict(list)
    rounds = defaultdict(dict)
    for row in rows:
        rounds[(row.get("run"), row["round"], row["scenario"])][row["server"]] = row
    for (_, _, scenario), servers in rounds.items():
        for server, row in servers.items():
            reference = servers.get(reference_for(server))
            if not server.startswith("h2kit-") or reference is None:
                continue
            ratios[(scenario, server, "req")].append(float(row["req_per_s"]) / float(reference["req_per_s"]))
            ratios[(scenario, server, "cpu")].append(
                float(row["cpu_us_per_req"]) / float(reference["cpu_us_per_req"]))
    return ratios


def bootstrap_interval(values, rng):
    """The 2.5th and 97.5th percentiles of the median of `values` resampled
    with replacement."""
    medians = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(RESAMPLES))
    return medians[int(RESAMPLES * 0.025)], medians[int(RESAMPLES * 0.975) - 1]


def verdict(measure, low, high):
    """Whether the interval [low, high] lies on the ahead side of 1
    (requests/s above, CPU below), on the behind side, or across it."""
    if measure == "cpu":
        low, high = 1 / high, 1 / low  # less CPU is ahead: compare inverses
    if low > 1:
        return "ahead"
    if high < 1:
        return "behind"
    return "not separated"


def verdict_table(rows, seed=1):
    """The Markdown table of every h2kit server's ratios to h2o (h2o-w2)
    over `rows`, with intervals and verdicts; empty when no round ran an
    h2kit server beside its reference."""
    rng = random.Random(seed)
    ratios = per_round_ratios(rows)
    if not ratios:
        return []
    lines = ["| scenario | server | measure | rounds | median ratio | 95% interval | rounds ahead | verdict |",
             "|---|---|---|---|---|---|---|---|"]
    for (scenario, server, measure), values in sorted(ratios.items()):
        low, high = bootstrap_interval(values, rng)
        ahead = sum(v > 1 if measure == "req" else v < 1 for v in values)
        name = "requests/s" if measure == "req" else "CPU/request"
        judged = verdict(measure, low, high) if len(values) >= MIN_ROUNDS else "too few rounds"
        lines.append(f"| {scenario} | {server} | {name} | {len(values)} | {statistics.median(values):.3f} "
                     f"| {low:.3f} – {high:.3f} | {ahead} | {judged} |")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", nargs="+", type=Path, help="lab-STAMP.csv files (other CSVs are skipped)")
    parser.add_argument("--seed", type=int, default=1, help="bootstrap seed (the output is reproducible)")
    args = parser.parse_args()
    rows = read_rows(args.csv)
    table = verdict_table(rows, args.seed)
    if not table:
        raise SystemExit("no round in these files ran an h2kit server beside h2o (or h2o-w2)")
    runs = len({row["run"] for row in rows})
    print(f"{runs} run(s) pooled; ratio to h2o (h2o-w2 for -w2) in the same round\n")
    print("\n".join(table))


if __name__ == "__main__":
    main()
