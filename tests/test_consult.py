"""The guided consultation: the Python API (tests drive it with each card context's answers) and
``crowdsourcing-rules consult`` driven through its standard input, in English and French."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import crowdsourcing_rules as cr
from crowdsourcing_rules.consultation.session import Consultation, replay

ROOT = Path(__file__).resolve().parent.parent
TASKS = sorted((ROOT / "examples" / "tasks").glob("*.yaml"))


@pytest.fixture(scope="module")
def advisor() -> cr.Advisor:
    return cr.Advisor.default()


def headline(rec: cr.Recommendation) -> tuple[object, ...]:
    """What a consultation settles: the verdict, the crowd and the main service."""
    return rec.crowdsource, rec.crowd_types, rec.service_types[:1]


def given_facts(task: cr.Task, path: Path) -> list[str]:
    """The facts a task file gives (its top-level keys, id and title included)."""
    text = path.read_text(encoding="utf-8")
    return [name for name, _value in task if any(line.startswith(f"{name}:") for line in text.splitlines())]


def test_each_card_context_needs_fewer_questions_than_its_task_file_has_facts(advisor: cr.Advisor) -> None:
    """Answering each question as the task file does ("I don't know" for a fact it does not
    give) reaches the task file's verdict, crowd and main service, with fewer questions than the
    file has facts. The counts, for the record (and in the failure message):"""
    counts = {}
    for path in TASKS:
        task = cr.read_task_file(path)
        consultation = Consultation(advisor, facts={"id": task.id})
        asked = list(replay(consultation, task.facts))
        counts[path.stem] = (len(asked), len(given_facts(task, path)))
        assert headline(consultation.recommendation) == headline(advisor.decide(task)), path.stem
    print("\nquestions asked / facts in the task file:", counts)
    assert all(asked < given for asked, given in counts.values()), counts
    median = sorted(asked for asked, _ in counts.values())[len(counts) // 2]
    assert 4 <= median <= 8, counts  # typical consultations take 4 to 8 questions


def test_the_first_question_is_what_will_be_crowdsourced(advisor: cr.Advisor) -> None:
    """With nothing known, the type of task changes the verdict for the most values."""
    question = Consultation(advisor).next_question()
    assert question is not None and question.fact == "task_type"
    assert question.changes[0] == "crowdsource" and "unknown" not in question.values
    assert question.to_dict("fr")["question"].startswith("Qu'est-ce qui va être crowdsourcé")


def test_a_consultation_is_rebuilt_from_its_answers(advisor: cr.Advisor) -> None:
    """A web form sends the answers so far: the same answers give the same next question."""
    step = Consultation(advisor)
    step.answer("task_type", "design_creative")
    step.answer("personal_data", "unknown")
    again = Consultation(advisor, {"task_type": "design_creative", "personal_data": "unknown"})
    assert again.next_question() == step.next_question()
    assert again.to_dict()["answers"] == {"task_type": "design_creative", "personal_data": "unknown"}
    assert again.back() == "personal_data" and again.answers == {"task_type": "design_creative"}
    assert Consultation(advisor).back() is None


def test_an_answer_is_checked(advisor: cr.Advisor) -> None:
    consultation = Consultation(advisor)
    with pytest.raises(cr.TaskError, match="did you mean 'design_creative'"):
        consultation.answer("task_type", "design_creativ")
    with pytest.raises(cr.TaskError, match="did you mean 'urgency'"):
        consultation.answer("urgncy", "high")
    consultation.answer("public_facing", True)
    assert consultation.answers == {"public_facing": "true"}
    assert consultation.task_facts()["public_facing"] is True


def test_i_dont_know_is_not_asked_again_and_can_leave_the_answer_provisional(advisor: cr.Advisor) -> None:
    consultation = Consultation(advisor)
    asked = list(replay(consultation, {}))  # "I don't know" to everything
    assert len(asked) == len(set(asked))
    assert consultation.done and set(consultation.answers.values()) == {"unknown"}
    rec = consultation.recommendation
    assert rec.provisional and set(rec.questions) <= set(consultation.askable)


def consult(stdin: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crowdsourcing_rules", "consult", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"},
    )


def test_consult_in_english_with_dont_know_back_an_invalid_choice_and_save(tmp_path: Path) -> None:
    """Answers: 12 (a professional service), 0 (I don't know), 99 and 'x' (invalid: asked again,
    nothing lost), 'b' (back to the question before), then the legal sensitivity... down to the
    end, and the task saved."""
    saved = tmp_path / "terms.yaml"
    answers = ["12", "0", "99", "x", "b", "0"] + ["4", "5"] + ["1"] * 20
    result = consult("\n".join(answers) + "\n", "--lang", "en", "--save", str(saved))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("1. What will be crowdsourced") == 1
    assert out.count("2. Whose personal data") == 2  # asked again after 'b'
    assert "Please answer with a number from 0 to" in out  # 99 and x
    assert "Verdict for terms:" in out and f"Saved the task file {saved}." in out
    task = cr.read_task_file(saved)
    assert task.id == "terms" and task.task_type == "professional_service" and task.personal_data == "unknown"
    assert cr.decide(task).to_text(title="terms").splitlines()[0] in out  # the answer is the saved task's


def test_consult_in_french_quits_and_keeps_the_answers(tmp_path: Path) -> None:
    saved = tmp_path / "logo.yaml"
    result = consult("2\nq\n", "--lang", "fr", "--save", str(saved))
    assert result.returncode == 0, result.stderr
    assert "1. Qu'est-ce qui va être crowdsourcé" in result.stdout and "0) Je ne sais pas" in result.stdout
    assert "La réponse à ce stade" in result.stdout and "Verdict pour logo : " in result.stdout
    assert cr.read_task_file(saved).task_type == "design_creative"


def test_consult_at_the_end_of_input_exits_cleanly_with_the_task_so_far(tmp_path: Path) -> None:
    saved = tmp_path / "partial.yaml"
    result = consult("7\n1\n", "--save", str(saved))  # data labelling, no personal data, then nothing
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert "End of input: the answers so far are kept." in result.stdout
    task = cr.read_task_file(saved)
    assert (task.task_type, task.personal_data) == ("data_labeling", "none")


def test_consult_offers_to_save_when_finished(tmp_path: Path, advisor: cr.Advisor) -> None:
    """Without --save, the end of the consultation asks for a file name."""
    questions = len(list(replay(Consultation(advisor), {})))  # "I don't know" to each
    result = consult("\n".join(["0"] * questions) + "\nchosen.yaml\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Save the answers as a task file?" in result.stdout
    assert cr.read_task_file(tmp_path / "chosen.yaml").id == "chosen"  # named after its file


def test_a_company_s_own_fact_is_asked_in_the_words_of_its_description() -> None:
    """The example policy declares touches_customer_data without a catalogue entry for it: the
    consultation asks it with the fact's description, as a question."""
    layered = cr.Advisor.default(policy=[ROOT / "examples" / "company_policy"])
    consultation = Consultation(layered)
    texts = {}
    while (question := consultation.next_question()) is not None:
        texts[question.fact] = question.text("en")
        consultation.answer(question.fact, "unknown")
    declared = [f.name for f in layered.ruleset.vocabulary.facts if not f.builtin]
    asked = [fact for fact in texts if fact in declared]
    assert asked, texts
    for fact in asked:
        description = layered.ruleset.vocabulary.fact(fact).description
        assert texts[fact].endswith("?") and texts[fact][1:].startswith(description[1:].rstrip(".?"))
