"""Collection of the package's doctests: the server's modules import FastAPI, which only the
``server`` extra installs; without it they are not collected (and tests/test_server*.py skip)."""

from __future__ import annotations

import importlib.util

SERVER_EXTRA = ("fastapi", "fastapi_offline", "uvicorn", "watchfiles", "httpx")

SERVER_MODULES = ["crowdsourcing_rules/server/*", "tests/server_support.py"]
collect_ignore_glob = [] if all(importlib.util.find_spec(m) for m in SERVER_EXTRA) else SERVER_MODULES
