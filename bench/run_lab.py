#!/usr/bin/env python3
"""The h2kit benchmark lab: start each server (h2kit's dispatch models and
the peers hyper, nghttpd, h2o, nginx) serving the same 12-byte body over h2c
on 127.0.0.1, load each with h2load, interleaved over several rounds, and
report medians of requests/s, server CPU time per request and peak RSS, plus
the memory each server holds per idle HTTP/2 connection.

Single-threaded servers run pinned to CPU 0 and h2load to CPU 1, so the two
never share a core. Run from the repository root:

    python3 bench/run_lab.py                 # everything, 3 rounds
    python3 bench/run_lab.py --quick         # 1 round, smaller runs
    python3 bench/run_lab.py --servers h2kit-event-loop,h2o --scenarios c100m10

Results go to bench/results/ (CSV and a Markdown table). Needs h2load
(nghttp2-client), nghttpd (nghttp2-server), h2o and nginx from Debian:
`--install` installs them with apt-get.
"""

import argparse
import asyncio
import csv
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BODY = b"hello world\n"
CLK_TCK = os.sysconf("SC_CLK_TCK")

# name, threads the server uses, how to start it (filled in by `commands`)
SCENARIOS = {
    # name: (h2load -n, -c, -m, pin both to one CPU for latency)
    "c100m10": (200_000, 100, 10, False),
    "c1m100": (200_000, 1, 100, False),
    "c1m1": (50_000, 1, 1, True),
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def commands(name, port, root, workdir):
    """The command line that starts server `name`, and its thread count."""
    h2kit = ROOT / "target/release/h2kit"
    addr = f"127.0.0.1:{port}"
    if name.startswith("h2kit-"):
        model = name[len("h2kit-"):]
        threads = 1
        extra = []
        if model.startswith("runtime"):
            threads = int(model.split("-w")[1]) if "-w" in model else 1
            model, extra = "runtime", ["--workers", str(threads)]
        elif model == "thread":
            threads = 2
        # The demo site's /hello (12 bytes, answered on the I/O thread), not
        # the static-file handler, which runs on a worker pool.
        return [str(h2kit), "serve", "--addr", addr, "--dispatch", model, *extra], threads
    if name.startswith("hyper"):
        threads = 2 if name.endswith("-w2") else 1
        return [str(BENCH / "hyper-peer/target/release/hyper-peer"), addr, str(threads)], threads
    if name.startswith("nghttpd"):
        threads = 2 if name.endswith("-w2") else 1
        return ["nghttpd", "--no-tls", "-a", "127.0.0.1", "-n", str(threads), "-d", str(root), str(port)], threads
    if name.startswith("h2o") or name.startswith("nginx"):
        threads = 2 if name.endswith("-w2") else 1
        template = "h2o.conf.in" if name.startswith("h2o") else "nginx.conf.in"
        conf = (BENCH / template).read_text()
        import getpass
        values = {"@PORT@": port, "@THREADS@": threads, "@DIR@": workdir, "@ROOT@": root, "@USER@": getpass.getuser()}
        for key, value in values.items():
            conf = conf.replace(key, str(value))
        path = Path(workdir) / f"{name}.conf"
        path.write_text(conf)
        if name.startswith("h2o"):
            return ["h2o", "-c", str(path)], threads
        return ["nginx", "-c", str(path), "-p", str(workdir)], threads
    raise SystemExit(f"unknown server {name}")


def descendants(pid):
    """pid and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                children = Path(f"/proc/{p}/task/{task}/children").read_text().split()
                todo.extend(int(c) for c in children)
        except OSError:
            pass
    return out


def cpu_seconds(pid):
    total = 0
    for p in descendants(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        except OSError:
            pass
    return total / CLK_TCK


def memory_kib(pid, key):
    total = 0
    for p in descendants(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith(key + ":"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def wait_for_port(port, proc, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start listening")


class Server:
    def __init__(self, name, root, workdir):
        self.name = name
        self.port = free_port()
        cmd, self.threads = commands(name, self.port, root, workdir)
        pin = ["taskset", "-c", "0"] if self.threads == 1 else []
        self.log = open(Path(workdir) / f"{name}.log", "w")
        self.proc = subprocess.Popen(pin + cmd, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.proc)
        time.sleep(0.2)

    def url(self):
        path = "/hello" if self.name.startswith("h2kit-") else "/12b.txt"
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def h2load(server, n, c, m, same_cpu):
    cpu = "0" if same_cpu else "1"
    cmd = ["taskset", "-c", cpu, "h2load", "-n", str(n), "-c", str(c), "-m", str(m), server.url()]
    before = cpu_seconds(server.proc.pid)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600).stdout
    used = cpu_seconds(server.proc.pid) - before
    rps = float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out).group(1))
    ok = int(re.search(r"requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded", out).group(1))
    if ok != n:
        raise RuntimeError(f"{server.name}: only {ok} of {n} requests succeeded\n{out}")
    return rps, used / n * 1e6


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
        base = memory_kib(server.proc.pid, "VmRSS")
        conns = await hold_idle_connections(server.port, count)
        await asyncio.sleep(1.5)  # let servers trim buffers of idle connections
        held = memory_kib(server.proc.pid, "VmRSS")
        for _, writer in conns:
            writer.close()
        return (held - base) * 1024 / count
    return asyncio.run(run())


def build():
    subprocess.run(["cargo", "build", "--release", "-p", "h2kit-cli"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--release", "--manifest-path", str(BENCH / "hyper-peer/Cargo.toml")], cwd=ROOT, check=True)


def main():
    all_servers = ["h2kit-event-loop", "h2kit-runtime-w1", "h2kit-runtime-w2", "hyper", "nghttpd", "h2o", "nginx", "h2o-w2", "hyper-w2"]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--servers", default=",".join(all_servers))
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="1 round, a tenth of the requests")
    ap.add_argument("--idle-connections", type=int, default=2000)
    ap.add_argument("--install", action="store_true", help="apt-get install the peers and h2load")
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    if args.install:
        subprocess.run(["apt-get", "install", "-y", "nghttp2-client", "nghttp2-server", "h2o", "nginx"], check=True)
    for tool in ["h2load", "taskset"]:
        if not shutil.which(tool):
            raise SystemExit(f"{tool} not found (try --install)")
    if not args.no_build:
        build()
    rounds = 1 if args.quick else args.rounds
    scale = 10 if args.quick else 1
    names = args.servers.split(",")
    scenarios = args.scenarios.split(",")
    workdir = tempfile.mkdtemp(prefix="h2kit-lab-")
    # nginx's workers run as another user and must read the files.
    os.chmod(workdir, 0o755)
    root = Path(workdir) / "root"
    root.mkdir()
    (root / "12b.txt").write_bytes(BODY)
    (root / "index.html").write_bytes(BODY)

    rows = []
    servers = {}
    try:
        for name in names:
            servers[name] = Server(name, root, workdir)
        for r in range(rounds):
            for scenario in scenarios:
                n, c, m, same_cpu = SCENARIOS[scenario]
                for name in names:  # interleaved: every server once per round
                    rps, cpu_us = h2load(servers[name], n // scale, c, m, same_cpu)
                    rows.append({"round": r, "scenario": scenario, "server": name, "req_per_s": rps, "cpu_us_per_req": cpu_us})
                    print(f"round {r} {scenario:8} {name:18} {rps:12.0f} req/s {cpu_us:8.2f} us CPU/req", flush=True)
        idle = {}
        for name in names:
            idle[name] = idle_memory_per_connection(servers[name], args.idle_connections // scale)
            print(f"idle {name:18} {idle[name]:10.0f} bytes per connection", flush=True)
        peak = {name: memory_kib(s.proc.pid, "VmHWM") for name, s in servers.items()}
    finally:
        for s in servers.values():
            s.stop()

    out = BENCH / "results"
    out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with open(out / f"lab-{stamp}.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    lines = ["| server | " + " | ".join(f"{s} req/s | {s} µs CPU/req" for s in scenarios) + " | idle bytes/conn | peak RSS KiB |",
             "|---" * (2 * len(scenarios) + 3) + "|"]
    for name in names:
        cells = []
        for s in scenarios:
            mine = [r for r in rows if r["server"] == name and r["scenario"] == s]
            cells.append(f"{statistics.median(r['req_per_s'] for r in mine):,.0f}")
            cells.append(f"{statistics.median(r['cpu_us_per_req'] for r in mine):.2f}")
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {idle[name]:,.0f} | {peak[name]:,} |")
    table = "\n".join(lines)
    (out / f"lab-{stamp}.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
