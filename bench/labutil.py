"""Process helpers the lab's scripts share: free ports, starting and
stopping servers, and reading their CPU time and memory from /proc."""

import os
import resource
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def h2kit_command(name, addr, binary=None):
    """`h2kit serve` for `h2kit-MODEL[-wN]`, and its thread count; the
    workspace's release build unless `binary` names another."""
    model = name[len("h2kit-"):]
    threads, extra = 1, []
    if model.startswith("runtime"):
        threads = int(model.split("-w")[1]) if "-w" in model else 1
        model, extra = "runtime", ["--workers", str(threads)]
    elif model == "thread":
        threads = 2
    # The demo site's /hello (12 bytes, answered on the I/O thread), not
    # the static-file handler, which runs on a worker pool.
    binary = binary or ROOT / "target/release/h2kit"
    return [str(binary), "serve", "--addr", addr, "--dispatch", model, *extra], threads


def hyper_command(name, addr):
    threads = 2 if name.endswith("-w2") else 1
    return [str(BENCH / "hyper-peer/target/release/hyper-peer"), addr, str(threads)], threads


def rotated(items, r):
    """`items` in round `r`'s order: each round starts one further along,
    so that no server always runs right after the same other one (a run
    that leaves both CPUs busy, or the host in a slow phase, would
    otherwise always hand its after-effects to the same successor)."""
    items = list(items)
    k = r % len(items) if items else 0
    return items[k:] + items[:k]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    """User + system CPU time of pid and its descendants (threads that
    already ended included, as /proc/PID/stat counts them)."""
    total = 0
    for p in descendants(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        except OSError:
            pass
    return total / CLK_TCK


def cpu_ns(pid):
    """Nanoseconds on CPU of pid's threads and its descendants' threads,
    from the scheduler's own count (`/proc/PID/task/*/schedstat`): finer
    than the clock ticks of `cpu_seconds`, which a run of 200,000 requests
    at 2 µs each reads as 40 ticks, ±1. Threads that exit during a run
    take their time with them, so this suits servers whose threads live
    as long as they do (every server the lab's h2load scenarios start)."""
    total = 0
    for p in descendants(pid):
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                total += int(Path(f"/proc/{p}/task/{task}/schedstat").read_text().split()[0])
        except OSError:
            pass
    return total


def children_cpu_ns():
    """CPU time of this process's children that have been waited for (a
    finished h2load), in nanoseconds."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1e9


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


class Process:
    """A server process on `port`, pinned to CPU 0 when single-threaded,
    its output in WORKDIR/LABEL.log."""

    def __init__(self, label, cmd, port, threads, workdir):
        self.label = label
        self.port = port
        self.threads = threads
        pin = ["taskset", "-c", "0"] if threads == 1 else []
        self.log = open(Path(workdir) / f"{label}.log", "w")
        self.proc = subprocess.Popen(pin + cmd, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            wait_for_port(port, self.proc)
        except RuntimeError as err:
            self.stop()
            log = (Path(workdir) / f"{label}.log").read_text()
            raise RuntimeError(f"{label}: {err}\n{log}") from None
        time.sleep(0.2)

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
