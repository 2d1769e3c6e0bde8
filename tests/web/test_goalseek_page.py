"""The goal-seek page: the least-effort plan to a target, its JSON twin, bad parameters at their fields."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from stpi.store import Entry, Store
from stpi.store import observations as ob
from tests.web.conftest import login

CITY = "621200"


def test_goalseek_needs_an_account(client: TestClient) -> None:
    assert client.get("/api/goalseek").status_code == 401
    r = client.get("/goalseek?target=50", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_default_plan_reaches_the_goal_and_the_whatif_agrees(client: TestClient, store: Store) -> None:
    token = login(client, "leader")
    data = client.get("/api/goalseek").json()
    assert data["params"] == {"target": 43.26, "from_year": 2022, "bound": "max", "missing": "reweight"}
    r = data["result"]
    assert r["reachable"] is True and r["achieved_index"] >= 43.26 - 1e-9 and r["missing_start"] == ["I28"]
    moves = data["moves"]
    assert moves and [m["gain"] for m in moves] == sorted((m["gain"] for m in moves), reverse=True)
    assert sum(m["gain"] for m in moves) == pytest.approx(r["achieved_index"] - r["index_base"], abs=1e-9)
    # the recommended values, typed into the what-if, give the index the goal-seek promises
    typed = client.post("/api/whatif", json={"values": {m["code"]: m["to"] for m in moves}}, headers={"X-CSRF-Token": token}).json()
    assert typed["index"]["value"] == pytest.approx(r["achieved_index"], abs=1e-6)
    deps = data["departments"]
    assert [d["share"] for d in deps] == sorted((d["share"] for d in deps), reverse=True)
    assert all(d["share"] == pytest.approx(d["cost"] / r["total_cost"]) for d in deps)
    led = {name for m in moves for name in m["lead"].split("、")}
    assert {d["name"] for d in deps} == led and {c for d in deps for c in d["codes"]} == {m["code"] for m in moves}
    assert len(data["marginal"]) == 32 and all(m["per_pct"] is None or m["per_pct"] >= 0 for m in data["marginal"])
    per = [m["per_pct"] for m in data["marginal"] if m["per_pct"] is not None]
    assert per == sorted(per, reverse=True)

    page = client.get("/goalseek")
    assert page.status_code == 200 and "示意参数" in page.text and 'data-chart="goalseek_gains"' in page.text
    assert f'id="goalseek-achieved">{r["achieved_index"]:.2f}<' in page.text
    assert len(re.findall(r'<tr data-code="I\d\d">', page.text)) == len(moves)
    assert page.text.count('href="/departments/') == len(deps) and 'value="43.26"' in page.text


def test_an_unreachable_target_gives_the_best_index(client: TestClient) -> None:
    login(client, "keji")
    data = client.get("/api/goalseek?target=99&bound=target&missing=zero").json()
    r = data["result"]
    assert r["reachable"] is False and r["achieved_index"] == pytest.approx(r["max_index"]) and r["max_index"] < 99
    assert data["params"] == {"target": 99.0, "from_year": 2022, "bound": "target", "missing": "zero"}
    page = client.get("/goalseek?target=99&bound=target&missing=zero").text
    assert 'id="goalseek-reachable">不可达<' in page and f'{r["max_index"]:.2f}' in page
    assert '<option value="target" selected>' in page and '<option value="zero" selected>' in page  # the link reproduces the form


def test_a_later_start_year_and_history_bounds(client: TestClient, store: Store) -> None:
    plan = store.plan()
    base = plan.indicator("I19").baseline
    assert base is not None
    # fast growth recorded in the store (history, as for `stpi goalseek`, counts the store's figures): it beats the target
    ob.write(store, [Entry(CITY, "I19", "2022", base), Entry(CITY, "I19", "2023", base * 1.5)], actor="admin")
    ob.transition(store, "approve", actor="admin")
    login(client, "admin")
    data = client.get("/api/goalseek?from_year=2023&bound=history").json()
    assert data["years"] == [2022, 2023] and data["params"]["from_year"] == 2023
    moves = {m["code"]: m for m in data["moves"]}
    assert moves["I19"]["from"] == base * 1.5 and moves["I19"]["from_year"] == 2023
    assert moves["I19"]["bound"] == pytest.approx(base * 1.5 ** 4) and moves["I19"]["bound_source"] == "历史外推"
    assert all(m["from_year"] == 2022 for c, m in moves.items() if c != "I19" and m["from"] is not None)
    earlier = client.get("/api/goalseek?from_year=2022").json()
    assert {m["code"]: m["from"] for m in earlier["moves"]}.get("I19") in (None, base)


@pytest.mark.parametrize("query", ["target=abc", "target=0", "target=101", "target=nan", "from_year=1999", "from_year=20x", "bound=best", "missing=drop"])
def test_bad_parameters_are_422(client: TestClient, query: str) -> None:
    login(client, "leader")
    assert client.get(f"/api/goalseek?{query}").status_code == 422
    page = client.get(f"/goalseek?{query}")
    field = query.split("=")[0]
    assert page.status_code == 422
    assert f'id="{field}-error"' in page.text and f'aria-describedby="{field}-error"' in page.text
    assert 'id="goalseek-moves"' not in page.text  # no result under a bad form


def test_messages_name_every_bad_field_at_once(client: TestClient) -> None:
    login(client, "leader")
    page = client.get("/goalseek?target=-5&from_year=1999&bound=x&missing=y&lang=en")
    assert page.status_code == 422
    for field in ("target", "from_year", "bound", "missing"):
        assert f'<p class="field-error" id="{field}-error">' in page.text
    assert "choose from 2022" in page.text and 'value="-5"' in page.text
