#!/usr/bin/env python3
"""Server CPU per request, A against B, interleaved: the quick check for a
change to the hot path.

The lab (`run_lab.py`) runs every scenario for every server; this script
runs one load for the few binaries being compared, so it can afford the
many rounds a 3% change needs on a noisy host. Like the lab, it reads each
server's scheduler time in nanoseconds (`/proc/PID/task/*/schedstat`)
around every h2load run, rotates the servers' order round by round, and
prints medians:

    python3 bench/ab_cpu.py --rounds 11 \\
        base=/tmp/h2kit-base new=target/release/h2kit h2o

A `LABEL=PATH` argument is an h2kit binary started with `serve` on the
dispatch model `--dispatch` (default event-loop) with `--workers`
(default 1), or on the model given as `LABEL=PATH@MODEL` (`@runtime-w2`:
the runtime with two workers); any other name is a lab
server (`h2o`, `hyper`, `nghttpd`, ...). Besides the medians, it prints
each server's CPU and requests/s relative to the first server's, as the
median of the ratios within each round: the steadier figures on a noisy
host.
`--h2load` sets the load (default `-n 200000 -c 100 -m 10`), `--tls` runs it over TLS, and
`--header` adds request fields (as `h2load -H`) for header-heavy runs.
"""

import argparse
import shlex
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from labutil import rotated  # noqa: E402
from run_lab import Server, make_cert, run_h2load  # noqa: E402


def run_load(server, load, headers):
    """One h2load run with `load` (and `-H` for each of `headers`): server
    CPU ns per request, requests/s, h2load's CPU ns per request."""
    args = shlex.split(load)
    n = int(args[args.index("-n") + 1])
    for header in headers:
        args += ["-H", header]
    rate, server_us, client_us, _ = run_h2load(server, args, n)
    return server_us * 1e3, rate, client_us * 1e3


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("servers", nargs="+", help="LABEL=PATH (an h2kit binary) or a lab server name")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--h2load", default="-n 200000 -c 100 -m 10")
    ap.add_argument("--dispatch", default="event-loop")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--header", action="append", default=[], help="a request field, as h2load -H")
    args = ap.parse_args()

    workdir = tempfile.mkdtemp(prefix="h2kit-ab-")
    root = Path(workdir) / "root"
    root.mkdir()
    (root / "12b.txt").write_text("hello world\n")
    cert = make_cert(workdir) if args.tls else None
    servers = []
    try:
        for spec in args.servers:
            if "=" in spec:
                label, path = spec.split("=", 1)
                model = args.dispatch
                if model == "runtime":
                    model += f"-w{args.workers}"
                if "@" in path:  # PATH@MODEL or PATH@runtime-wN
                    path, model = path.split("@", 1)
                servers.append(Server(f"h2kit-{model}", root, workdir, cert, binary=path, label=label))
            else:
                servers.append(Server(spec, root, workdir, cert))
        results = {s.label: [] for s in servers}
        for s in servers:  # warm-up, not counted
            run_load(s, args.h2load, args.header)
        for r in range(args.rounds):
            for s in rotated(servers, r):
                results[s.label].append(run_load(s, args.h2load, args.header))
            line = "  ".join(f"{label} {rows[-1][0]:,.0f}" for label, rows in results.items())
            print(f"round {r + 1}: ns/request {line}", flush=True)
        print(f"medians of {args.rounds} rounds, {args.h2load}{' TLS' if args.tls else ''}:")
        first = next(iter(results.values()))
        for label, rows in results.items():
            ns = statistics.median(row[0] for row in rows)
            rate = statistics.median(row[1] for row in rows)
            client = statistics.median(row[2] for row in rows)
            # The host's slow and fast phases last longer than a round, so
            # the ratio within each round is steadier than the medians.
            paired = statistics.median(row[0] / base[0] for row, base in zip(rows, first))
            paired_rate = statistics.median(row[1] / base[1] for row, base in zip(rows, first))
            print(f"  {label:24} {ns:8,.0f} ns of server CPU per request  {rate:10,.0f} req/s"
                  f"  CPU {paired:.3f}x and req/s {paired_rate:.3f}x the first's, round by round;"
                  f"  h2load {client:,.0f} ns/request")
    finally:
        for s in servers:
            s.stop()


if __name__ == "__main__":
    main()
