"""The guided consultation as a notebook form (ipywidgets, the ``notebooks`` extra).

One question at a time, its choices as buttons, "I don't know" and "Back"; when the consultation
is done, the recommendation's card in the form's language. The form drives a
:class:`~crowdsourcing_rules.consultation.session.Consultation`, which it exposes as
``form.consultation``; :meth:`ConsultationForm.choose` answers as a click would (for a notebook run
without a person, or a test).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from crowdsourcing_rules.consultation.session import Consultation
from crowdsourcing_rules.model.html import escape
from crowdsourcing_rules.model.language import Language, language
from crowdsourcing_rules.model.vocabulary import UNKNOWN

if TYPE_CHECKING:
    from crowdsourcing_rules.advisor import Advisor

__all__ = ["ConsultationForm", "consultation_form"]


class ConsultationForm:
    """A consultation in a notebook: ``form.widget`` is what the notebook shows (``display(form)``
    shows it too)."""

    def __init__(
        self, advisor: Advisor, *, lang: str | Language | None = "en", facts: dict[str, object] | None = None
    ) -> None:
        self.consultation = Consultation(advisor, facts=facts)
        self.lang = language(lang)
        self.widget = widgets.VBox()
        self._render()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """A notebook shows the form's widget."""
        return self.widget._repr_mimebundle_(**kwargs)

    def choose(self, value: str) -> None:
        """Answer the current question with a value (``unknown``: "I don't know")."""
        question = self.consultation.next_question()
        if question is not None:
            self.consultation.answer(question.fact, value)
        self._render()

    def back(self) -> None:
        """Take the last answer back."""
        self.consultation.back()
        self._render()

    def _button(self, label: str, on_click: Any, style: str = "") -> widgets.Button:
        button = widgets.Button(description=label, button_style=style, layout=widgets.Layout(width="auto"))
        button.on_click(lambda _button: on_click())
        return button

    def _render(self) -> None:
        t = self.lang
        question = self.consultation.next_question()
        asked = len(self.consultation.answers)
        back = self._button(t.ui("Back"), self.back) if asked else None
        if question is None:
            card = widgets.HTML(self.consultation.recommendation.to_html(lang=t))
            self.widget.children = tuple(w for w in (card, back) if w is not None)
            return
        title = widgets.HTML(f"<p><strong>{asked + 1}. {escape(question.text(t))}</strong></p>")
        choices = [
            self._button(choice.label, lambda value=choice.value: self.choose(value), "info")
            for choice in question.choices(t)
        ]
        dont_know = self._button(t.ui("I don't know"), lambda: self.choose(UNKNOWN))
        row = widgets.HBox([dont_know, *([back] if back else [])])
        self.widget.children = (title, widgets.VBox(choices), row)


def consultation_form(advisor: Advisor, *, lang: str | Language | None = "en") -> ConsultationForm:
    """A notebook form for a guided consultation with ``advisor``."""
    return ConsultationForm(advisor, lang=lang)
