"""Running the server for the tests: a real uvicorn server on a free loopback port, in a thread of
the test process (``LiveServer``) or as the ``crowdsourcing-rules serve`` command in a subprocess
(``ServeProcess``)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn

_T = TypeVar("_T")
WAIT = 60.0  # seconds before a test gives up waiting for the server (never an assertion on speed)


def free_socket() -> socket.socket:
    """A socket bound to a free port of 127.0.0.1."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def free_port() -> int:
    with contextlib.closing(free_socket()) as sock:
        port: int = sock.getsockname()[1]
        return port


def eventually(probe: Callable[[], _T | None], what: str, *, every: float = 0.1, timeout: float = WAIT) -> _T:
    """Call ``probe`` until it returns something other than None; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(every)


class LiveServer:
    """An ASGI app served by uvicorn on 127.0.0.1 in a thread, with an HTTP client for it."""

    def __init__(self, app: Any) -> None:
        self.socket = free_socket()
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        eventually(lambda: True if self.server.started else None, "the server to start")
        self.client = httpx.Client(base_url=self.url, timeout=WAIT)
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()
        self.server.should_exit = True
        self.thread.join(WAIT)
        self.socket.close()


class ServeProcess:
    """``crowdsourcing-rules serve ARGS`` on a free port, its log collected."""

    def __init__(self, *args: str, cwd: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = cwd / "serve.log"
        self.command = [sys.executable, "-m", "crowdsourcing_rules", "serve", "--port", str(self.port), *args]
        self.cwd = cwd

    def __enter__(self) -> ServeProcess:
        self.handle = self.log.open("w")
        environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            self.command, stdout=self.handle, stderr=subprocess.STDOUT, cwd=self.cwd, env=environment
        )
        self.client = httpx.Client(base_url=self.url, timeout=WAIT)
        eventually(self._health, "the server to answer /health")
        return self

    def _health(self) -> dict[str, Any] | None:
        if self.process.poll() is not None:
            raise AssertionError(f"the server exited with {self.process.returncode}:\n{self.log.read_text()}")
        try:
            response = self.client.get("/health")
        except httpx.TransportError:
            return None
        data: dict[str, Any] = response.json()
        return data

    def health(self) -> dict[str, Any]:
        return eventually(self._health, "/health")

    def __exit__(self, *exc: object) -> None:
        self.client.close()
        self.process.terminate()
        try:
            self.process.wait(WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.handle.close()


@contextlib.contextmanager
def requests_in_background(url: str, body: dict[str, Any]) -> Iterator[list[int]]:
    """POST ``body`` to ``url`` over and over in a thread while the block runs; the status codes."""
    statuses: list[int] = []
    stop = threading.Event()

    def loop() -> None:
        with httpx.Client(timeout=WAIT) as client:
            while not stop.is_set():
                statuses.append(client.post(url, json=body).status_code)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield statuses
    finally:
        stop.set()
        thread.join(WAIT)
