"""Running the server with uvicorn, as ``crowdsourcing-rules serve`` does."""

from __future__ import annotations

import logging

import uvicorn

from crowdsourcing_rules.server.app import create_app
from crowdsourcing_rules.server.state import ServerConfig

__all__ = ["serve"]


def serve(config: ServerConfig, *, host: str = "127.0.0.1", port: int = 8000, log_level: str = "info") -> None:
    """Serve the API on ``host:port`` until interrupted (Ctrl-C or SIGTERM finish the requests in
    flight first). The rule files are read before the port is bound."""
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s:     %(name)s: %(message)s")
    app = create_app(config)
    uvicorn.run(app, host=host, port=port, log_level=log_level, server_header=False)
