"""Inviting from a CSV: good rows invited and e-mailed, bad rows explained, bad files refused."""

from __future__ import annotations

from httpx import Response

from tests.candidates.conftest import World
from tests.problems import assert_problem


def _upload(world: World, data: bytes | str) -> Response:
    return world.client.post(
        f"{world.base}/invitations/csv",
        content=data,
        headers={**world.headers, "Content-Type": "text/csv"},
    )


def test_good_rows_are_invited_and_bad_rows_explained(world: World) -> None:
    world.invite("known@example.com")
    data = (
        "Email,Name,extra_minutes\r\n"
        "ada@example.com,Ada Lovelace,\r\n"
        "not-an-email,Bad Row,\r\n"
        "\r\n"
        "grace@example.com,Grace Hopper,15\r\n"
        "ADA@example.com,Ada Again,\r\n"
        "alan@example.com,Alan Turing,soon\r\n"
        "known@example.com,Known,\r\n"
        "edsger@example.com,,\r\n"
        "barbara@example.com,Barbara Liskov,5,surprise\r\n"
    )
    response = _upload(world, data)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["invited"], body["refused"]) == (2, 6)
    by_line = {r["row"]: r for r in body["rows"]}
    assert by_line[2]["invitation"]["url"].startswith("http://testserver/take/")
    assert "is not an e-mail address" in by_line[3]["problem"]
    assert by_line[5]["invitation"] is not None
    assert "line 2" in by_line[6]["problem"]
    assert "whole number" in by_line[7]["problem"]
    assert "already has an invitation" in by_line[8]["problem"]
    assert "name is missing" in by_line[9]["problem"]
    assert "4 cells" in by_line[10]["problem"]
    listed = world.client.get(f"{world.base}/invitations", headers=world.headers).json()
    extra = {i["candidate"]["email"]: i["extra_minutes"] for i in listed["items"]}
    assert extra == {"known@example.com": 0, "ada@example.com": 0, "grace@example.com": 15}
    assert [m.kind for m in world.mail_to("grace@example.com")] == ["candidate_invitation"]
    assert world.mail_to("alan@example.com") == []


def test_excel_byte_order_mark_and_reordered_columns_are_read(world: World) -> None:
    response = _upload(world, "\ufeffname,email\nKatherine,kj@example.com\n".encode())
    assert response.json()["invited"] == 1


def test_huge_file_is_refused_with_the_limit(world: World) -> None:
    data = "email,name\n" + "x" * (256 * 1024)
    body = assert_problem(_upload(world, data), 413, "csv-too-large")
    assert "256 KB" in body["detail"]


def test_too_many_rows_are_refused_with_the_limit(world: World) -> None:
    data = "email,name\n" + "".join(f"c{i}@example.com,C{i}\n" for i in range(1001))
    body = assert_problem(_upload(world, data), 413, "csv-too-large")
    assert "1,000" in body["detail"]
    listed = world.client.get(f"{world.base}/invitations", headers=world.headers).json()
    assert listed["items"] == []


def test_unreadable_files_are_refused_saying_why(world: World) -> None:
    cases = {
        b"\xff\xfe\x00e\x00m": "UTF-8",
        b"": "empty",
        b"mail,full name\na@example.com,A\n": "must name the columns",
        b"email,name\n": "lists no candidate",
        b'email,name\n"unclosed,A\n': "",
    }
    for data, words in cases.items():
        response = _upload(world, data)
        if data.startswith(b'email,name\n"unclosed'):
            # csv reads an unclosed quote to the end of the file: one row, explained
            assert response.status_code == 200
            assert response.json()["refused"] == 1
            continue
        body = assert_problem(response, 400, "csv-unreadable")
        assert words in body["detail"], data
