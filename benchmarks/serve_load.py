"""Load benchmark of ``crowdsourcing-rules serve``: N concurrent clients on loopback for a fixed time.

Run it on purpose (it is not a test; it needs the ``server`` extra)::

    python benchmarks/serve_load.py                          # 16 clients, 20 s a phase
    python benchmarks/serve_load.py --clients 64 --duration 60 --reload-every 1

It starts the real command (``crowdsourcing-rules serve --watch``) on a free port of 127.0.0.1, on a
copy of the shipped rules, and runs three phases with the same seeded random tasks:

1. **in process** (the contender): the library's ``Advisor.decide`` called in a loop by as many
   threads as the server has, no HTTP; what the server could at best deliver;
2. **HTTP, steady**: N clients (asyncio, one keep-alive connection each) each POST a task to
   ``/v1/decide`` and wait for the answer, again and again, for the fixed time;
3. **HTTP, reloading**: the same, while a rule file is rewritten every ``--reload-every`` seconds,
   so that ``--watch`` reloads the rules during the run.

For each phase: requests per second, p50 / p99 / max latency, errors (anything but a 200 with the
task's id: 0 expected), and for the server its resident memory before and after (from /proc), the
number of reloads it made (from /health), and the load average. The HTTP phases are also given as a
ratio to the in-process contender. The clients run in this process and share the machine's cores
with the server: on a small machine they take part of the CPU the server would otherwise have.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from bench import generate_tasks

import crowdsourcing_rules as cr

ROOT = Path(__file__).resolve().parent.parent


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Phase:
    """What one phase measured."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.latencies: list[float] = []
        self.errors: Counter[str] = Counter()
        self.elapsed = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")

    def report(self, contender: Phase | None = None) -> str:
        ratio = f"  ({self.rate / contender.rate:.2f} x in process)" if contender and contender.rate else ""
        errors = sum(self.errors.values())
        detail = f" {dict(self.errors)}" if errors else ""
        return (
            f"{self.name:<20} {len(self.latencies):>7} requests  {self.rate:>8.1f} req/s{ratio}\n"
            f"{'':<20} latency p50 {self.percentile(0.50):.1f} ms, p99 {self.percentile(0.99):.1f} ms, "
            f"max {max(self.latencies, default=0) * 1000:.1f} ms; errors {errors}{detail}"
        )


def in_process(tasks: list[dict[str, Any]], threads: int, duration: float) -> Phase:
    """The contender: the library called directly by ``threads`` threads."""
    phase = Phase("in process")
    advisor = cr.Advisor.default()
    deadline = time.perf_counter() + duration
    lock = threading.Lock()

    def work(offset: int) -> None:
        n = offset
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            advisor.decide(tasks[n % len(tasks)])
            spent = time.perf_counter() - started
            with lock:
                phase.latencies.append(spent)
            n += threads

    start = time.perf_counter()
    workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    phase.elapsed = time.perf_counter() - start
    advisor.close()
    return phase


async def http_load(url: str, tasks: list[dict[str, Any]], clients: int, duration: float, name: str) -> Phase:
    phase = Phase(name)
    deadline = time.perf_counter() + duration

    async def client(offset: int) -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
            n = offset
            while time.perf_counter() < deadline:
                task = tasks[n % len(tasks)]
                started = time.perf_counter()
                try:
                    response = await http.post("/v1/decide", json=task)
                    ok = response.status_code == 200 and response.json()["task_id"] == task["id"]
                    error = None if ok else f"status {response.status_code}"
                except httpx.HTTPError as failure:
                    error = type(failure).__name__
                phase.latencies.append(time.perf_counter() - started)
                if error:
                    phase.errors[error] += 1
                n += clients

    start = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(clients)))
    phase.elapsed = time.perf_counter() - start
    return phase


def rewrite_rules(path: Path, every: float, stop: threading.Event) -> None:
    """Rewrite a rule file every ``every`` seconds (a comment changes): each rewrite is a reload."""
    text = path.read_text(encoding="utf-8")
    n = 0
    while not stop.wait(every):
        n += 1
        path.write_text(f"# edit {n}\n{text}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default: 16)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of each phase (default: 20)")
    parser.add_argument("--reload-every", type=float, default=2.0, help="seconds between rule-file edits (default: 2)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="the server's deciding threads")
    parser.add_argument("--tasks", type=int, default=2000, help="distinct random tasks (default: 2000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    tasks = list(generate_tasks(args.tasks, args.seed))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {os.getloadavg()}")
    print(f"{args.clients} clients, {args.duration:g} s a phase, the server with {args.threads} threads\n")
    contender = in_process(tasks, args.threads, args.duration)
    print(contender.report())

    with tempfile.TemporaryDirectory() as work:
        rules = Path(work) / "rules"
        shutil.copytree(cr.default_rules_path(), rules)
        edited = sorted(rules.glob("*.yaml"))[0]
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log = (Path(work) / "serve.log").open("w")
        command = [sys.executable, "-m", "crowdsourcing_rules", "serve", "--port", str(port), "--rules", str(rules)]
        server = subprocess.Popen(
            [*command, "--watch", "--threads", str(args.threads), "--log-level", "warning"], stdout=log, stderr=log
        )
        try:
            _wait_for(url)
            asyncio.run(http_load(url, tasks[:200], args.clients, 2.0, "warm-up"))
            before = rss_mib(server.pid)
            steady = asyncio.run(http_load(url, tasks, args.clients, args.duration, "HTTP, steady"))
            middle = rss_mib(server.pid)
            print(steady.report(contender))
            print(f"{'':<20} server memory {before:.1f} MiB before, {middle:.1f} MiB after\n")

            reloads_before = httpx.get(f"{url}/health").json()["reloads"]
            stop = threading.Event()
            editor = threading.Thread(target=rewrite_rules, args=(edited, args.reload_every, stop))
            editor.start()
            try:
                reloading = asyncio.run(http_load(url, tasks, args.clients, args.duration, "HTTP, reloading"))
            finally:
                stop.set()
                editor.join()
            time.sleep(1)  # the last edit's reload
            health = httpx.get(f"{url}/health").json()
            after = rss_mib(server.pid)
            print(reloading.report(contender))
            print(
                f"{'':<20} reloads {health['reloads'] - reloads_before} "
                f"(last error: {health['last_reload_error']}); server memory {middle:.1f} MiB before, "
                f"{after:.1f} MiB after"
            )
        finally:
            server.terminate()
            server.wait(60)
            log.close()
    print(f"\nload average after: {os.getloadavg()}")
    return 0 if not (steady.errors or reloading.errors) else 1


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


if __name__ == "__main__":
    sys.exit(main())
