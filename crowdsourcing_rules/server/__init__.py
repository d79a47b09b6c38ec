"""The HTTP server (the ``server`` extra: FastAPI, uvicorn, watchfiles, Jinja2): ``crowdsourcing-rules serve``.

- :mod:`~crowdsourcing_rules.server.app`: :func:`create_app`, the ASGI application;
- :mod:`~crowdsourcing_rules.server.api`: the routes of the API (``/v1/...``, ``/health``);
- :mod:`~crowdsourcing_rules.server.form`: the web form for managers at ``/`` (its templates and
  static files in ``templates/`` and ``static/``) and ``/task.yaml``;
- :mod:`~crowdsourcing_rules.server.state`: the settings, the rules in use, the deciding threads and
  the watcher that reloads the rule files;
- :mod:`~crowdsourcing_rules.server.bodies`: request bodies (content types, size limits, strict JSON);
- :mod:`~crowdsourcing_rules.server.problems`: errors as ``application/problem+json``;
- :mod:`~crowdsourcing_rules.server.run`: running it with uvicorn.
"""
