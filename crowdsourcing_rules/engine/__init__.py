"""Running compiled rules on a task.

- :mod:`~crowdsourcing_rules.engine.compiling`: a rule set compiled for the engines (conditions
  in normal form, strata from :mod:`~crowdsourcing_rules.engine.strata`);
- :mod:`~crowdsourcing_rules.engine.agenda`: the engine interface and the agenda that fires the
  activated rules, stratum by stratum;
- :mod:`~crowdsourcing_rules.engine.resolution`: the conflict policy applied to the fired rules;
- :mod:`~crowdsourcing_rules.engine.durable` (the only module that imports durable-rules) and
  :mod:`~crowdsourcing_rules.engine.reference`: the two engines; the compiled rules become
  durable-rules rule definitions (:mod:`~crowdsourcing_rules.engine.durable_patterns`), spread
  over rulesets within the limits of its C engine (:mod:`~crowdsourcing_rules.engine.durable_shards`,
  measured by :mod:`~crowdsourcing_rules.engine.durable_limits`);
  :mod:`~crowdsourcing_rules.engine.engines` chooses between them;
- :mod:`~crowdsourcing_rules.engine.questions`: the search for the unknown facts that would change
  the verdict.
"""
