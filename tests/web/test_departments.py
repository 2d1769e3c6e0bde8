"""The departments list and a department's page: indicators, measures, duties, assessment, and the progress-note form."""

from __future__ import annotations

from datetime import date

import pytest
from starlette.testclient import TestClient

from stpi.framework.embedded import embedded_variables
from stpi.queries.assessment import gather_assessment
from stpi.queries.department import open_year
from stpi.store import Entry, Store
from stpi.store import observations as ob
from stpi.store.notes import progress_notes
from tests.queries.seeds import CITY, city_2023
from tests.web.conftest import csrf_of, login
from tests.web.test_indicators import city_2024
from tests.readkit import read


def test_list_counts_every_departments_indicators_and_lights(client: TestClient, store: Store) -> None:
    city_2023(store)
    city_2024(store)
    login(client, "leader")
    data = client.get("/api/departments").json()
    plan = store.plan()
    assert data["count"] == 18 and data["year"] == 2024 and [d["code"] for d in data["departments"]] == [d.code for d in plan.departments]
    by_code = {d["code"]: d for d in data["departments"]}
    sci = by_code["sci"]
    assert sci["lead"] == sum("sci" in i.lead for i in plan.indicators)
    assert sci["responsible"] == sum("sci" in i.responsible and "sci" not in i.lead for i in plan.indicators)
    lights = {r["code"]: r["light"] for r in client.get("/api/overview?year=2024").json()["indicators"]}
    mine = [i.code for i in plan.indicators if "sci" in i.lead + i.responsible]
    assert sci["lights"]["red"] == sum(lights[c] == "red" for c in mine) and sum(sci["lights"].values()) == len(mine)
    page = client.get("/departments")
    assert page.status_code == 200 and 'href="/departments/sci"' in page.text and "市科技局" in page.text
    assert page.text.count("<tr data-code=") == 18


def test_department_page_indicators_duties_and_assessment(client: TestClient, store: Store) -> None:
    login(client, "renshe")
    before = client.get("/api/departments/hrss").json()
    assert before["assessment"] is None and "考核结果待数据报送审核后产生" in client.get("/departments/hrss").text
    city_2023(store)
    city_2024(store)
    year = open_year(read(None))
    assert year == date.today().year - 1
    _, formulas = embedded_variables()
    raw = formulas["I01"].variables  # hrss leads I01: reported here through its raw statistics
    ob.write(store, [Entry(CITY, v, str(year), 100.0) for v in raw] + [Entry(CITY, "I07", str(year), 1.0)], actor="admin")
    ob.write(store, [Entry(CITY, "I03", str(year), 1.5)], actor="admin", status="draft")
    data = client.get("/api/departments/市人社局").json()
    plan = store.plan()
    assert data["code"] == "hrss" and data["open_year"] == year
    leads = [i.code for i in plan.indicators if "hrss" in i.lead]
    assert [i["code"] for i in data["indicators"] if i["role"] == "lead"] == leads
    assert {i["code"]: i["measures"] for i in data["indicators"]} == {i.code: i.measures for i in plan.indicators if "hrss" in i.lead + i.responsible}
    due = {t["code"]: t["state"] for t in data["to_submit"]}
    assert "I01" not in due and "I07" not in due and due["I03"] == "草稿"  # submitted directly, by raw statistics, or still a draft
    assert set(due) == set(leads) - {"I01", "I07"}
    _, result = gather_assessment(read(None), year=2024)
    row = result.summary.set_index("department").loc["hrss"]
    a = data["assessment"]
    assert a["year"] == 2024 and a["total"] == pytest.approx(row["total"]) and a["rank"] == row["rank"] and a["of"] == 18
    assert a["rules_illustrative"] is True and a["download"] == "/downloads/assessment.xlsx?year=2024"
    page = client.get("/departments/hrss")
    assert f"{a['total']:.2f}" in page.text and 'href="/downloads/assessment.xlsx?year=2024"' in page.text and "示意规则" in page.text
    assert plan.indicator("I01").measures in page.text and 'href="/indicators/I03"' in page.text
    assert client.get("/api/departments/nobody").status_code == 404 and client.get("/departments/nobody").status_code == 404


def test_open_year_skips_locked_years(store: Store) -> None:
    city_2023(store)
    assert open_year(read(None), date(2024, 3, 1)) == 2023
    ob.lock_year(store, 2023, actor="admin")
    assert open_year(read(None), date(2024, 3, 1)) == 2024


def test_reporter_adds_a_progress_note_through_the_form(client: TestClient, store: Store) -> None:
    login(client, "keji")
    page = client.get("/departments/sci")
    assert 'action="/departments/sci/notes"' in page.text and '<label for="note-text">' in page.text
    form = {"csrf_token": csrf_of(page.text), "indicator": "I03", "period": "2025Q3", "text": "召开<b>推进会</b>", "done_by": "张三"}
    r = client.post("/departments/sci/notes", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/departments/sci?saved=1")
    notes = progress_notes(store, department="sci")
    assert [(n.code, n.period, n.text, n.done_by, n.created_by) for n in notes] == [("I03", "2025Q3", "召开<b>推进会</b>", "张三", "keji")]
    shown = client.get(r.headers["location"])
    assert "召开&lt;b&gt;推进会&lt;/b&gt;" in shown.text and "已记录工作进展" in shown.text
    assert client.get("/api/departments/sci").json()["notes"][0]["text"] == "召开<b>推进会</b>"
    assert client.get("/api/indicators/I03").json()["progress_notes"][0]["department"] == "sci"


def test_bad_notes_are_refused_at_their_fields_and_change_nothing(client: TestClient, store: Store) -> None:
    login(client, "keji")
    token = csrf_of(client.get("/departments/sci").text)
    bad = {"csrf_token": token, "indicator": "I01", "period": "2025Q5", "text": "   "}  # sci only shares I01 (may note it); the period and text are wrong
    r = client.post("/departments/sci/notes", data=bad)
    assert r.status_code == 422 and 'id="period-error"' in r.text and 'id="text-error"' in r.text and 'aria-describedby="period-error"' in r.text
    assert 'value="2025Q5"' in r.text and 'id="code-error"' not in r.text
    long = client.post("/departments/sci/notes", data={**bad, "period": "2025-07", "text": "进" * 2001})
    assert long.status_code == 422 and "2001" in long.text and 'id="period-error"' not in long.text
    other = client.post("/departments/sci/notes", data={**bad, "indicator": "I02", "period": "2025", "text": "ok"})  # I02 is not sci's
    assert other.status_code == 422 and 'id="code-error"' in other.text
    odd = client.post("/departments/sci/notes", data={**bad, "period": "2" * 30, "text": "ok", "done_on": "x" * 40})
    assert odd.status_code == 422 and 'id="period-error"' in odd.text
    assert client.post("/departments/sci/notes", data={**bad, "csrf_token": "forged", "period": "2025", "text": "ok"}).status_code == 403
    assert progress_notes(store) == []


def test_only_the_department_and_the_admin_may_add_notes(client: TestClient, store: Store) -> None:
    token = login(client, "renshe")
    body = {"code": "I03", "period": "2025", "text": "人社局的进展"}
    assert client.post("/api/departments/sci/notes", json=body, headers={"X-CSRF-Token": token}).status_code == 403
    assert 'action="/departments/sci/notes"' not in client.get("/departments/sci").text
    assert client.post("/api/departments/hrss/notes", json=body, headers={"X-CSRF-Token": token}).status_code == 201  # hrss also leads I03
    token = login(client, "leader")
    assert client.post("/api/departments/hrss/notes", json=body, headers={"X-CSRF-Token": token}).status_code == 403
    token = login(client, "admin")
    assert client.post("/api/departments/sci/notes", json=body).status_code == 403  # no X-CSRF-Token
    made = client.post("/api/departments/sci/notes", json={**body, "text": "管理员代记"}, headers={"X-CSRF-Token": token})
    assert made.status_code == 201 and made.json()["indicator"] == store.plan().indicator("I03").name
    refused = client.post("/api/departments/sci/notes", json={**body, "period": "25"}, headers={"X-CSRF-Token": token})
    assert refused.status_code == 422 and refused.json()["problems"][0]["field"] == "period"
    assert [n.department for n in progress_notes(store)] == ["hrss", "sci"]
