"""The test page's language picker: offered where a task has languages, set to the saved one."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests import factories

LANGUAGES = [
    {"id": "python", "statement": "Write `f` with **numpy**.", "starter": "def f(x):\n    pass\n"},
    {"id": "r", "statement": "Write `f` with **matrices**.", "starter": "f <- function(x) {\n}\n"},
]


@pytest.fixture
def world(session: Session, client: TestClient) -> dict[str, Any]:
    org = factories.make_org(session)
    questions = [
        factories.make_question(
            session, factories.coding("tl-both", "backward_pass", languages=LANGUAGES)
        ),
        factories.make_question(session, factories.coding("tl-py", "forward_pass")),
    ]
    assessment = factories.make_assessment(session, org.organization, questions)
    invitation = factories.make_invitation(session, org.organization, assessment)
    assert client.post(f"/api/v1/take/{invitation.token}/start").status_code == 200
    return {"token": invitation.token}


def _section(html: str, question_id: str) -> str:
    match = re.search(rf'<section class="question" id="{question_id}".*?</section>', html, re.S)
    assert match, f"no section for {question_id}"
    return match.group(0)


def _visible_statements(section: str) -> list[str]:
    return re.findall(r'<article class="statement"[^>]*data-statement="(\w+)"(?! hidden)>', section)


def test_a_task_in_two_languages_offers_a_labelled_picker_starting_in_python(
    client: TestClient, world: dict[str, Any]
) -> None:
    section = _section(client.get(f"/take/{world['token']}").text, "tl-both")
    assert '<label for="language-tl-both">Language</label>' in section
    options = re.findall(r'<option value="(\w+)"( selected)?>(\w+)</option>', section)
    assert options == [("python", " selected", "Python"), ("r", "", "R")]
    assert _visible_statements(section) == ["python"]
    assert "<strong>matrices</strong>" in section, "the R statement is on the page, hidden"
    assert 'Your code <span class="muted" data-language-name>(Python)</span>' in section


def test_the_page_opens_in_the_language_last_saved(
    client: TestClient, world: dict[str, Any]
) -> None:
    saved = client.put(
        f"/api/v1/take/{world['token']}/answers/tl-both",
        json={"response": {"source": "f <- function(x) x\n", "language": "r"}},
    )
    assert saved.status_code == 200
    section = _section(client.get(f"/take/{world['token']}").text, "tl-both")
    assert '<option value="r" selected>R</option>' in section
    assert _visible_statements(section) == ["r"]
    assert "data-language-name>(R)</span>" in section


def test_a_python_only_task_has_no_picker(client: TestClient, world: dict[str, Any]) -> None:
    section = _section(client.get(f"/take/{world['token']}").text, "tl-py")
    assert "data-language" not in section.replace("data-language-name", "")
    assert "data-language-name>(Python)</span>" in section
    assert _visible_statements(section) == ["python"]
