"""Static analysis and tests of rule files.

- :mod:`~crowdsourcing_rules.analysis.checker`: ``check()``, every finding of
  ``crowdsourcing-rules check``, from passes over one frozen fact table
  (:mod:`~crowdsourcing_rules.analysis.table`): :mod:`~crowdsourcing_rules.analysis.structure`,
  :mod:`~crowdsourcing_rules.analysis.conflicts`, :mod:`~crowdsourcing_rules.analysis.gaps`;
  the findings and their report in :mod:`~crowdsourcing_rules.analysis.findings`;
- :mod:`~crowdsourcing_rules.analysis.graph`: the rule graph and its queries, drawn by
  :mod:`~crowdsourcing_rules.analysis.drawing`;
- :mod:`~crowdsourcing_rules.analysis.testing`: decision cases run, with rule coverage.
"""
