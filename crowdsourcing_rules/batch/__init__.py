"""Deciding whole portfolios: many tasks at once, in one process or several, from files and tables.

- :mod:`~crowdsourcing_rules.batch.stream`: :func:`decide_many`, results streamed in input order;
- :mod:`~crowdsourcing_rules.batch.results`: a recommendation or a :class:`TaskFailure` per task,
  and their flat row form;
- :mod:`~crowdsourcing_rules.batch.pool`: the worker processes;
- :mod:`~crowdsourcing_rules.batch.formats`, :mod:`~crowdsourcing_rules.batch.files` (reading) and
  :mod:`~crowdsourcing_rules.batch.writing`: CSV, JSON Lines and Parquet files (pyarrow);
- :mod:`~crowdsourcing_rules.batch.frame`: pandas DataFrames;
- :mod:`~crowdsourcing_rules.batch.dask`: Dask DataFrames and bags.
"""
