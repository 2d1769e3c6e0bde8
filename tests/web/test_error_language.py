"""Errors a user can cause read in the user's language: bad parameters, unknown pages, wrong methods — pages and API alike."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.web.conftest import login


def test_a_bad_parameter_on_a_page_is_a_chinese_error_page(client: TestClient) -> None:
    login(client, "admin")
    r = client.get("/data?year=99999")
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert "请求有 1 处不符合要求" in r.text and "应不大于 2100" in r.text and "Input should" not in r.text
    en = client.get("/data?year=99999&lang=en")
    assert "must be at most 2100" in en.text and not re.search(r"[\u4e00-\u9fff]{4,}", en.text.split("<main", 1)[-1].split("</main>", 1)[0].replace("中文", ""))


def test_the_api_keeps_fastapis_detail_and_adds_the_users_words(client: TestClient) -> None:
    r = client.get("/api/overview?year=99999")
    body = r.json()
    assert r.status_code == 422 and body["detail"][0]["type"] == "less_than_equal" and body["problems"][0]["field"] == "year"
    assert "应不大于 2100" == body["problems"][0]["reason"]


def test_unknown_pages_and_methods(client: TestClient) -> None:
    page = client.get("/nope")
    assert page.status_code == 404 and "没有这个页面" in page.text and page.headers["content-type"].startswith("text/html")
    api = client.get("/api/nope?lang=en")
    assert api.status_code == 404 and api.json()["message"] == "No such page or item"
    assert client.put("/api/overview").status_code == 405
