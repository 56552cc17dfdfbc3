#!/usr/bin/env python3
"""The h2kit benchmark lab: start each server (h2kit's dispatch models and
the peers hyper, nghttpd, h2o, nginx) serving the same 12-byte body over h2c
and over TLS (ALPN h2) on 127.0.0.1, load each with h2load, interleaved over
several rounds, and report medians of requests/s, server CPU time per
request and peak RSS, plus the memory each server holds per idle HTTP/2
connection; then the 1 GiB single-stream transfer against a raw TCP copy
(bulk.py) and the plots (plot.py).

Single-threaded servers run pinned to CPU 0 and h2load to CPU 1, so the two
never share a core. Run from the repository root:

    python3 bench/run_lab.py                 # everything, 3 rounds
    python3 bench/run_lab.py --quick         # 1 round, smaller runs
    python3 bench/run_lab.py --servers h2kit-event-loop,h2o --scenarios c100m10,tls-c100m10

Results go to bench/results/ (CSV, a Markdown table, PNG plots). Needs
h2load (nghttp2-client), nghttpd (nghttp2-server), h2o, nginx and openssl
from Debian: `--install` installs them with apt-get.
"""

import argparse
import asyncio
import csv
import getpass
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import bulk
import pool
from labutil import (BENCH, ROOT, Process, children_cpu_ns, cpu_ns, free_port, h2kit_command, hyper_command, memory_kib,
                     rotated)

BODY = b"hello world\n"

SCENARIOS = {
    # name: (h2load -n, -c, -m, pin both to one CPU for latency, TLS)
    "c100m10": (200_000, 100, 10, False, False),
    "c1m100": (200_000, 1, 100, False, False),
    # latency-bound: server and h2load share CPU 0
    "c1m1": (50_000, 1, 1, True, False),
    "tls-c100m10": (200_000, 100, 10, False, True),
    "tls-c1m100": (200_000, 1, 100, False, True),
}

ALL_SERVERS = ["h2kit-event-loop", "h2kit-runtime-w1", "h2kit-runtime-w2", "hyper", "nghttpd", "h2o", "nginx", "h2o-w2", "hyper-w2"]


def commands(name, port, root, workdir, cert, binary=None):
    """The command line that starts server `name` (over TLS with the PEM
    pair `cert` = (cert, key) when given; an h2kit server from `binary`
    when given), and its thread count."""
    addr = f"127.0.0.1:{port}"
    label = name + ("+tls" if cert else "")
    if name.startswith("h2kit-"):
        cmd, threads = h2kit_command(name, addr, binary)
        return cmd + (["--cert", cert[0], "--key", cert[1]] if cert else []), threads
    if name.startswith("hyper"):
        cmd, threads = hyper_command(name, addr)
        return cmd + (["--tls", *cert] if cert else []), threads
    threads = 2 if name.endswith("-w2") else 1
    if name.startswith("nghttpd"):
        tls = [str(port), cert[1], cert[0]] if cert else ["--no-tls", str(port)]
        return ["nghttpd", "-a", "127.0.0.1", "-n", str(threads), "-d", str(root), *tls], threads
    if name.startswith("h2o") or name.startswith("nginx"):
        values = {
            "@PORT@": port, "@THREADS@": threads, "@DIR@": workdir, "@ROOT@": root,
            "@USER@": getpass.getuser(), "@NAME@": label,
            "@H2O_SSL@": f"  ssl:\n    certificate-file: {cert[0]}\n    key-file: {cert[1]}" if cert else "",
            "@NGINX_LISTEN@": "ssl http2" if cert else "http2",
            "@NGINX_SSL@": f"        ssl_protocols TLSv1.2 TLSv1.3;\n        ssl_certificate {cert[0]};\n"
                            f"        ssl_certificate_key {cert[1]};" if cert else "",
        }
        template = "h2o.conf.in" if name.startswith("h2o") else "nginx.conf.in"
        conf = (BENCH / template).read_text()
        for key, value in values.items():
            conf = conf.replace(key, str(value))
        path = Path(workdir) / f"{label}.conf"
        path.write_text(conf)
        if name.startswith("h2o"):
            return ["h2o", "-c", str(path)], threads
        return ["nginx", "-c", str(path), "-p", str(workdir)], threads
    raise SystemExit(f"unknown server {name}")


class Server(Process):
    """One server instance: `name` over h2c, or over TLS; `label` names it
    in logs (default: the name, with `+tls`)."""

    def __init__(self, name, root, workdir, cert=None, binary=None, label=None):
        self.name = name
        self.tls = cert is not None
        port = free_port()
        cmd, threads = commands(name, port, root, workdir, cert, binary)
        super().__init__(label or name + ("+tls" if self.tls else ""), cmd, port, threads, workdir)

    def url(self):
        path = "/hello" if self.name.startswith("h2kit-") else "/12b.txt"
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}{path}"


# One cipher for every TLS server (left to themselves, some prefer
# AES-256), so that all do the same record work.
TLS_CIPHER_ARGS = ["--tls13-ciphers", "TLS_AES_128_GCM_SHA256", "--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256"]


def make_cert(workdir):
    """A self-signed ECDSA P-256 certificate for localhost (the kind h2kit's
    `--tls` makes itself), shared by every TLS server so that all do the
    same handshake work."""
    cert, key = Path(workdir) / "cert.pem", Path(workdir) / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "30", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    os.chmod(key, 0o644)  # nginx's workers may run as another user
    return str(cert), str(key)


def h2load(server, n, c, m, same_cpu):
    """Runs h2load `-n N -c C -m M`, on CPU 0 with `same_cpu` (else 1);
    see `run_h2load` for what it returns."""
    return run_h2load(server, ["-n", str(n), "-c", str(c), "-m", str(m)], n, "0" if same_cpu else "1")


def run_h2load(server, args, n, cpu="1"):
    """Runs h2load with `args` (which ask for `n` requests) pinned to `cpu`;
    returns requests/s, server CPU µs per request, h2load's own CPU µs
    per request and, over TLS, the negotiated protocol and cipher. At
    c100 m10 h2load needs more CPU per request than the fast servers:
    its column shows when it, not the server, set the pace."""
    cmd = ["taskset", "-c", cpu, "h2load", *args, *(TLS_CIPHER_ARGS if server.tls else []), server.url()]
    before, client_before = cpu_ns(server.pid), children_cpu_ns()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600).stdout
    used, client_used = cpu_ns(server.pid) - before, children_cpu_ns() - client_before
    finished = re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out)
    done = re.search(r"requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded", out)
    if not finished or not done:
        raise RuntimeError(f"{server.label}: unexpected h2load output\n{out}")
    if int(done.group(1)) != n:
        raise RuntimeError(f"{server.label}: only {done.group(1)} of {n} requests succeeded\n{out}")
    tls = ""
    if server.tls:
        proto = re.search(r"Application protocol: (\S+)", out)
        if not proto or proto.group(1) != "h2":
            raise RuntimeError(f"{server.label}: ALPN did not select h2\n{out}")
        version = re.search(r"TLS Protocol: (\S+)", out)
        cipher = re.search(r"Cipher: (\S+)", out)
        tls = f"{version.group(1) if version else '?'} {cipher.group(1) if cipher else '?'}"
    return float(finished.group(1)), used / n / 1e3, client_used / n / 1e3, tls


async def hold_idle_connections(port, count):
    """Opens `count` HTTP/2 connections that finish the SETTINGS exchange
    and then stay idle; returns them so they stay open."""
    preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])
    ack = bytes([0, 0, 0, 4, 1, 0, 0, 0, 0])
    conns = []
    for _ in range(count):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(preface + ack)
        await writer.drain()
        conns.append((reader, writer))
    # Read what the servers sent (their SETTINGS and our ACK) so nothing is
    # left in their send buffers.
    for reader, _ in conns:
        try:
            await asyncio.wait_for(reader.read(4096), 1)
        except asyncio.TimeoutError:
            pass
    return conns


def idle_memory_per_connection(server, count):
    async def run():
        base = memory_kib(server.pid, "VmRSS")
        conns = await hold_idle_connections(server.port, count)
        await asyncio.sleep(1.5)  # let servers trim buffers of idle connections
        held = memory_kib(server.pid, "VmRSS")
        for _, writer in conns:
            writer.close()
        return (held - base) * 1024 / count
    return asyncio.run(run())


def build():
    subprocess.run(["cargo", "build", "--release", "-p", "h2kit-cli"], cwd=ROOT, check=True)
    for tool in ["hyper-peer", "throughput"]:
        subprocess.run(["cargo", "build", "--release", "--manifest-path", str(BENCH / tool / "Cargo.toml")], cwd=ROOT, check=True)


def machine_load():
    """The load average and what else is busy, for the report: the lab
    shares its two cores with whatever else runs."""
    load = Path("/proc/loadavg").read_text().split()[:3]
    return f"load average {' '.join(load)} on {os.cpu_count()} CPUs"


def median(rows, key):
    return statistics.median(r[key] for r in rows)


def h2load_table(rows, names, scenarios, idle, peak):
    head = "| server | " + " | ".join(f"{s} req/s | {s} µs CPU/req" for s in scenarios)
    lines = [head + " | idle bytes/conn | peak RSS KiB |", "|---" * (2 * len(scenarios) + 3) + "|"]
    for name in names:
        cells = []
        for s in scenarios:
            mine = [r for r in rows if r["server"] == name and r["scenario"] == s]
            cells += [f"{median(mine, 'req_per_s'):,.0f}", f"{median(mine, 'cpu_us_per_req'):.2f}"] if mine else ["", ""]
        idle_cell = f"{idle[name]:,.0f}" if name in idle else ""
        peak_cell = f"{peak[name]:,}" if name in peak else ""
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {idle_cell} | {peak_cell} |")
    ciphers = {}
    for r in rows:
        if r["tls"]:
            ciphers.setdefault(r["tls"], set()).add(r["server"])
    if ciphers:
        lines.append("")
        lines.append("TLS as h2load negotiated it: " + "; ".join(
            f"{c} ({', '.join(n for n in names if n in servers)})" for c, servers in sorted(ciphers.items())))
    return lines


def paired_table(rows, names, scenarios, reference):
    """Each server against `reference` round by round: the median of the
    per-round ratios of requests/s and of CPU per request. The host's slow
    and fast phases outlast a round, so these are steadier than ratios of
    the medians above. Also h2load's own CPU per request (median), which
    shows whether the client or the server set the pace."""
    head = "| server | " + " | ".join(f"{s} req/s ÷ {reference} | {s} CPU/req ÷ {reference} | {s} h2load µs/req"
                                       for s in scenarios)
    lines = [head + " |", "|---" * (3 * len(scenarios) + 1) + "|"]
    for name in names:
        cells = []
        for s in scenarios:
            mine = {r["round"]: r for r in rows if r["server"] == name and r["scenario"] == s}
            ref = {r["round"]: r for r in rows if r["server"] == reference and r["scenario"] == s}
            both = sorted(set(mine) & set(ref))
            if not both:
                cells += ["", "", ""]
                continue
            rate = statistics.median(mine[k]["req_per_s"] / ref[k]["req_per_s"] for k in both)
            cpu = statistics.median(mine[k]["cpu_us_per_req"] / ref[k]["cpu_us_per_req"] for k in both)
            client = statistics.median(mine[k]["h2load_cpu_us_per_req"] for k in both)
            cells += [f"{rate:.3f}", f"{cpu:.3f}", f"{client:.2f}"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--servers", default=",".join(ALL_SERVERS))
    ap.add_argument("--scenarios", default=",".join([*SCENARIOS, "bulk-1g"]),
                    help="h2load scenarios and/or bulk-1g (the 1 GiB single-stream test)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="1 round, a tenth of the requests")
    ap.add_argument("--idle-connections", type=int, default=2000)
    ap.add_argument("--no-idle", action="store_true", help="skip the idle-memory measurement")
    ap.add_argument("--bulk-bytes", type=int, default=1 << 30)
    ap.add_argument("--bulk-rounds", type=int, help="rounds of bulk-1g (default: --rounds; a transfer takes under a second)")
    ap.add_argument("--bulk-repeats", type=int, default=3,
                    help="transfers per bulk-1g measurement, of which the median counts (default 3)")
    ap.add_argument("--install", action="store_true", help="apt-get install the peers, h2load and openssl")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--no-plots", action="store_true")
    args = ap.parse_args()
    if args.install:
        subprocess.run(["apt-get", "install", "-y", "nghttp2-client", "nghttp2-server", "h2o", "nginx", "openssl"], check=True)
    for tool in ["h2load", "taskset", "openssl"]:
        if not shutil.which(tool):
            raise SystemExit(f"{tool} not found (try --install)")
    if not args.no_build:
        build()
    rounds = 1 if args.quick else args.rounds
    scale = 10 if args.quick else 1
    names = args.servers.split(",")
    wanted = args.scenarios.split(",")
    unknown = [s for s in wanted if s not in SCENARIOS and s != "bulk-1g"]
    if unknown:
        raise SystemExit(f"unknown scenarios {unknown}; known: {', '.join([*SCENARIOS, 'bulk-1g'])}")
    scenarios = [s for s in wanted if s in SCENARIOS]
    workdir = tempfile.mkdtemp(prefix="h2kit-lab-")
    # nginx's workers run as another user and must read the files.
    os.chmod(workdir, 0o755)
    root = Path(workdir) / "root"
    root.mkdir()
    (root / "12b.txt").write_bytes(BODY)
    (root / "index.html").write_bytes(BODY)
    load_before = machine_load()
    print(f"workdir {workdir}; {load_before}", flush=True)

    rows, idle, peak, peak_tls = [], {}, {}, {}
    servers = {}
    try:
        if scenarios:
            cert = make_cert(workdir) if any(SCENARIOS[s][4] for s in scenarios) else None
            for name in names:
                if any(not SCENARIOS[s][4] for s in scenarios):
                    servers[name, False] = Server(name, root, workdir)
                if any(SCENARIOS[s][4] for s in scenarios):
                    servers[name, True] = Server(name, root, workdir, cert)
        for r in range(rounds):
            for scenario in scenarios:
                n, c, m, same_cpu, tls = SCENARIOS[scenario]
                for name in rotated(names, r):  # interleaved: every server once per round
                    rps, cpu_us, client_us, cipher = h2load(servers[name, tls], n // scale, c, m, same_cpu)
                    rows.append({"round": r, "scenario": scenario, "server": name, "req_per_s": rps,
                                 "cpu_us_per_req": cpu_us, "h2load_cpu_us_per_req": client_us, "tls": cipher})
                    print(f"round {r} {scenario:12} {name:18} {rps:12.0f} req/s {cpu_us:8.2f} us CPU/req"
                          f" (h2load {client_us:.2f}) {cipher}", flush=True)
        for (name, tls), s in servers.items():
            (peak_tls if tls else peak)[name] = memory_kib(s.pid, "VmHWM")
    finally:
        for s in servers.values():
            s.stop()
    if not args.no_idle:
        # A fresh instance each: after the load runs, a server's heap
        # already holds the memory of 100 busy connections, and idle ones
        # would reuse it without growing RSS at all.
        for name in names:
            fresh = Server(name, root, workdir)
            try:
                idle[name] = idle_memory_per_connection(fresh, args.idle_connections // scale)
            finally:
                fresh.stop()
            print(f"idle {name:18} {idle[name]:10.0f} bytes per connection", flush=True)

    bulk_rows = []
    if "bulk-1g" in wanted:
        bulk_rows = bulk.run(names, args.bulk_rounds or rounds, workdir, args.bulk_bytes, args.bulk_repeats)
    load_after = machine_load()

    out = BENCH / "results"
    out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    prefix = out / f"lab-{stamp}"
    report = [f"Lab run {stamp}: {rounds} round(s){' (--quick: a tenth of the requests)' if args.quick else ''}"
              f"{f', bulk-1g {args.bulk_rounds or rounds}' if bulk_rows else ''}; "
              f"before: {load_before}; after: {load_after}.", ""]
    if rows:
        write_csv(f"{prefix}.csv", rows)
        mem = [{"server": n, "idle_bytes_per_conn": idle.get(n, ""), "peak_rss_kib": peak.get(n, ""),
                "peak_rss_kib_tls": peak_tls.get(n, "")} for n in names]
        write_csv(f"{prefix}-memory.csv", mem)
        report += h2load_table(rows, names, scenarios, idle, peak)
        # h2o is the peer the targets name; h2o-w2 when only 2-worker servers ran.
        reference = next((n for n in ["h2o", "h2o-w2"] if n in names), names[0])
        report += ["", f"Round by round against {reference} (median of the per-round ratios; "
                   "requests/s above 1 and CPU below 1 are ahead):", "",
                   *paired_table(rows, names, scenarios, reference)]
        verdicts = pool.verdict_table(rows)
        if verdicts:
            report += ["", "How sure each comparison is (ratio to h2o, to h2o-w2 for a -w2 server; 95% bootstrap "
                       "interval of the median over the rounds; pool several runs with `bench/pool.py`):", "",
                       *verdicts]
        if peak_tls:
            report += ["", "Peak RSS of the TLS instances (KiB): " + ", ".join(f"{n} {v:,}" for n, v in peak_tls.items())]
    if bulk_rows:
        write_csv(f"{prefix}-bulk.csv", bulk_rows)
        report += ["", *bulk.table(bulk_rows)]
    (Path(f"{prefix}.md")).write_text("\n".join(report) + "\n")
    print("\n".join(report))
    if not args.no_plots:
        try:
            import plot
            for png in plot.plot(prefix):
                print(f"plot: {png}")
        except ImportError as err:
            print(f"no plots ({err}; pip install matplotlib)")


if __name__ == "__main__":
    main()
