"""The guided consultation: the questions of the card asked one at a time, in words.

- :mod:`~crowdsourcing_rules.consultation.session`: the :class:`Consultation` (the answers so far,
  the next question, the recommendation), which the command line (``crowdsourcing-rules
  consult``), the notebook form and a web form drive;
- :mod:`~crowdsourcing_rules.consultation.form`: the consultation as a notebook form (ipywidgets,
  the ``notebooks`` extra).
"""
