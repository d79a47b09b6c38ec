"""``crowdsourcing-rules serve``: the rules over HTTP (the ``server`` extra).

The server is imported only when the command runs, and only if the extra is installed.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys

from crowdsourcing_rules.cli.common import add_rules_options

__all__ = ["configure", "run"]

NEEDED = ("fastapi", "fastapi_offline", "uvicorn", "jinja2")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=int, default=8000, help="port to bind (default: 8000)")
    add_rules_options(parser)
    parser.add_argument(
        "--watch",
        action="store_true",
        help="reload the rule and policy files when they change; on errors keep the rules in use and log them",
    )
    parser.add_argument(
        "--threads",
        type=_positive,
        default=os.cpu_count() or 1,
        metavar="N",
        help="threads that decide (default: one per core)",
    )
    parser.add_argument(
        "--max-body", type=_positive, default=1024 * 1024, metavar="BYTES", help="largest task body (default: 1 MiB)"
    )
    parser.add_argument(
        "--max-batch-body",
        type=_positive,
        default=32 * 1024 * 1024,
        metavar="BYTES",
        help="largest /v1/batch body (default: 32 MiB)",
    )
    parser.add_argument(
        "--log-level", choices=("debug", "info", "warning", "error"), default="info", help="default: info"
    )


def run(args: argparse.Namespace) -> int:
    needed = NEEDED + (("watchfiles",) if args.watch else ())
    missing = [name for name in needed if importlib.util.find_spec(name) is None]
    if missing:
        print(
            f"error: serve needs the 'server' extra ({', '.join(missing)} missing): "
            "pip install 'crowdsourcing-rules[server]'",
            file=sys.stderr,
        )
        return 1
    from crowdsourcing_rules.server.run import serve
    from crowdsourcing_rules.server.state import ServerConfig

    config = ServerConfig(
        rules=args.rules,
        policy=args.policy,
        engine=args.engine,
        max_body=args.max_body,
        max_batch_body=args.max_batch_body,
        threads=args.threads,
        watch=args.watch,
    )
    serve(config, host=args.host, port=args.port, log_level=args.log_level)
    return 0
