"""Explanations of a recommendation: why, why not, and what if.

- :mod:`~crowdsourcing_rules.explanations.explainer`: the :class:`Explainer`, which decides a task
  and explains it;
- :mod:`~crowdsourcing_rules.explanations.trees`: derivation trees (a rule's condition checked
  against the task, down to the task's own facts);
- :mod:`~crowdsourcing_rules.explanations.answers`: the answers (why not, what if, the sensitivity
  table, the whole explanation), each as text and Markdown;
- :mod:`~crowdsourcing_rules.explanations.html`: the same answers as HTML, in English or French;
- :mod:`~crowdsourcing_rules.explanations.frame`: the sensitivity table as a pandas DataFrame.
"""
