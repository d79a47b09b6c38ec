"""Collection of the package's doctests: the server's modules import FastAPI, which only the
``server`` extra installs; without it they are not collected (and tests/test_server*.py skip); the
notebook form likewise needs ipywidgets (the ``notebooks`` extra).

The command line prints in the language of the environment (``LANG``...): every test runs in an
English one, whatever the machine's, unless it sets another."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _english_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    yield


SERVER_EXTRA = ("fastapi", "fastapi_offline", "uvicorn", "watchfiles", "jinja2", "httpx")

SERVER_MODULES = ["crowdsourcing_rules/server/*", "tests/server_support.py"]
collect_ignore_glob = [] if all(importlib.util.find_spec(m) for m in SERVER_EXTRA) else SERVER_MODULES
# The notebook form imports ipywidgets, which only the ``notebooks`` extra installs.
if importlib.util.find_spec("ipywidgets") is None:
    collect_ignore_glob.append("crowdsourcing_rules/consultation/form.py")
