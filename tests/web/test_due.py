"""The due list in the web app: a reporter lands on what it owes; the admin sees the round, opens one, and the review keeps each return's comment."""

from __future__ import annotations

from datetime import date
from html import unescape

from starlette.testclient import TestClient

from stpi.store import Entry, Store
from stpi.store import observations as ob
from stpi.store import rounds
from tests.web.conftest import PASSWORD, csrf_of, login


def test_a_reporter_lands_on_its_due_list(client: TestClient, store: Store) -> None:
    rounds.open_round(store, year=2025, actor="admin", deadline=date(2099, 3, 31))
    page = client.get("/login")
    r = client.post("/login", data={"username": "keji", "password": PASSWORD, "csrf_token": csrf_of(page.text), "next": "/"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/due"
    html = unescape(client.get("/due").text)
    assert 'id="due-list"' in html and "2099-03-31" in html and "未报" in html and "下载2025年填报模板" in html
    data = client.get("/api/due").json()
    plan = store.plan()
    mine = sorted(i.code for i in plan.indicators if "sci" in i.lead)
    assert sorted(x["code"] for x in data["tasks"]) == mine and data["round"] is None
    assert {x["reporter"] for x in data["tasks"]} == {"sci"} and all(x["days_left"] > 0 and x["status"] == "due" for x in data["tasks"])


def test_the_admin_sees_completeness_and_opens_a_round(client: TestClient, store: Store) -> None:
    login(client, "admin")
    page = client.get("/due")
    r = client.post("/due/open", data={"csrf_token": csrf_of(page.text), "year": "2025", "deadline": "2026-03-31", "deadlines": "市财政局=2026-04-15\n"}, follow_redirects=False)
    assert r.status_code == 303
    assert {t.deadline for t in rounds.tasks(store, year=2025, reporter="市财政局")} == {date(2026, 4, 15)}
    html = unescape(client.get("/due").text)
    assert "已开启2025轮次" in html and 'id="round-departments"' in html and 'id="round-counties"' in html
    view = client.get("/api/due").json()["round"]
    assert view["year"] == 2025 and view["total"]["tasks"] == len(rounds.tasks(store, year=2025))
    assert {r["reporter_name"] for r in view["overdue"]} >= {"市科技局", "武都区"}  # the deadline has passed


def test_approve_all_never_approves_a_row_ticked_for_return_and_each_return_keeps_its_comment(client: TestClient, store: Store) -> None:
    rounds.open_round(store, year=2025, actor="admin", deadline=date(2099, 3, 31), counties=False)
    city = store.region(store.plan().region).code
    ob.write(store, [Entry(city, c, "2025", 1.0 + n) for n, c in enumerate(("I01", "I02", "I03"))], actor="admin")
    ids = {o.code: o.id for o in ob.observations(store, year=2025)}
    login(client, "admin")
    token = csrf_of(client.get("/data/review").text)
    form = {"csrf_token": token, "all": "1", "shown": [str(i) for i in ids.values()], "return_ids": [str(ids["I02"])]}
    r = client.post("/data/review/approve", data=form, follow_redirects=False)
    assert r.status_code == 303
    status = {o.code: o.status for o in ob.observations(store, year=2025)}
    assert status == {"I01": "approved", "I02": "submitted", "I03": "approved"}
    r = client.post("/data/review/return", data={"csrf_token": token, "return_ids": [str(ids["I02"])], f"comment_{ids['I02']}": "请附统计年鉴页码"}, follow_redirects=False)
    assert r.status_code == 303
    back = next(o for o in ob.observations(store, year=2025) if o.code == "I02")
    assert back.status == "returned" and back.comment == "请附统计年鉴页码"
    client.post("/api/logout")
    login(client, "renshe")  # 市人社局 leads I01 and I03, not I02: its list shows no comment; 市教育局 (I02) would
    tasks = {x["code"]: x for x in client.get("/api/due").json()["tasks"]}
    assert tasks["I01"]["status"] == "approved" and tasks["I03"]["status"] == "approved"
    i02 = [t for t in rounds.tasks(store, year=2025) if t.code == "I02"]
    assert i02 and all(t.status == "returned" and t.comment == "请附统计年鉴页码" for t in i02)


def test_the_overview_of_an_incomplete_year_says_so_and_a_forced_lock_shows_its_reason(client: TestClient, store: Store) -> None:
    plan, fw = store.plan(), store.framework(2025)
    city = store.region(plan.region).code
    leaves = [n.code for n in fw.leaves]
    ob.write(store, [Entry(city, c, "2025", float(plan.indicator(c).target)) for c in leaves[:15]], actor="admin")
    ob.transition(store, "approve", actor="admin", year=2025)
    data = client.get("/api/overview", params={"year": 2025}).json()
    assert data["complete"] is False and data["index"]["status"] == "incomplete" and data["year_state"]["missing_count"] == len(leaves) - 15
    html = unescape(client.get("/", params={"year": 2025}).text)
    assert f"预估（不完整：{len(leaves) - 15}项未报）" in html and "已达标" not in html.split('id="kpi-index"')[1].split("</section>")[0]
    ob.lock_year(store, 2025, actor="admin", force=True, reason="I28 数据暂缺")
    html = unescape(client.get("/", params={"year": 2025}).text)
    assert "2025年评价已锁定（I28 数据暂缺）" in html
    assert client.get("/api/overview").json()["year"] == 2025  # a locked year is where the pages open


def test_the_admin_uploads_a_departments_file_with_the_date_received(client: TestClient, store: Store) -> None:
    rounds.open_round(store, year=2025, actor="admin", deadline=date(2026, 3, 31), counties=False)
    login(client, "admin")
    token = csrf_of(client.get("/data").text)
    files = {"file": ("hr.csv", "region,year,indicator,value\n陇南市,2025,I01,196\n".encode(), "text/csv")}
    r = client.post("/data/upload", data={"csrf_token": token, "year": "2025", "on_behalf_of": "hrss", "received_on": "2026-03-20"}, files=files, follow_redirects=False)
    assert r.status_code == 303, r.text
    task = next(t for t in rounds.tasks(store, year=2025) if t.code == "I01")
    assert task.status == "submitted" and task.submitted_by == "hrss" and task.submitted_at is not None and task.submitted_at.date() == date(2026, 3, 20)


def test_the_web_lock_lists_what_is_missing_by_reporter_and_locks_anyway_with_a_reason(client: TestClient, store: Store) -> None:
    rounds.open_round(store, year=2025, actor="admin", deadline=date(2099, 3, 31), counties=False)
    city = store.region(store.plan().region).code
    ob.write(store, [Entry(city, "I01", "2025", 196.0), Entry(city, "I02", "2025", 1.2)], actor="admin")
    ob.transition(store, "return", actor="admin", year=2025, codes=["I02"], comment="请核实")
    login(client, "admin")
    token = csrf_of(client.get("/data/review").text)
    step = unescape(client.post("/data/review/lock", data={"csrf_token": token, "year": "2025"}).text)
    assert 'id="lock-open-tasks"' in step and "市科技局：" in step and "已退回" in step and "{'" not in step
    refused = client.post("/data/review/lock", data={"csrf_token": token, "year": "2025", "confirm": "1"})
    text = unescape(refused.text)
    assert refused.status_code == 409 and "不能锁定" in text and "按填报单位" in text and "{'" not in text and "{&#39;" not in refused.text
    done = client.post("/data/review/lock", data={"csrf_token": token, "year": "2025", "confirm": "1", "force": "1", "reason": "I28 数据暂缺"}, follow_redirects=False)
    assert done.status_code == 303 and ob.lock_reasons(store) == {2025: "I28 数据暂缺"}
    assert "2025（I28 数据暂缺）" in unescape(client.get("/data/review").text)


def test_the_admin_reminds_one_reporter_or_every_overdue_one(client: TestClient, store: Store) -> None:
    rounds.open_round(store, year=2025, actor="admin", deadline=date(2026, 3, 31), counties=False)
    login(client, "admin")
    token = csrf_of(client.get("/due").text)
    assert 'id="remind-all"' in client.get("/due").text
    r = client.post("/due/remind", data={"csrf_token": token, "reporter": "sci"}, follow_redirects=False)
    assert r.status_code == 303 and "已向1个填报单位发出催报" in unescape(client.get("/due").text)
    r = client.post("/due/remind", data={"csrf_token": token}, follow_redirects=False)
    flash = unescape(client.get("/due").text)
    assert r.status_code == 303 and "发出催报" in flash
