"""The review queue and the data tables name raw statistics in words, with their unit, last year's value and the change."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from stpi.numbers import number
from stpi.queries.demo import load_demo
from stpi.readmodel import snapshot
from stpi.store import Store

from tests.web.conftest import login

YEAR = 2026
CITY = "621200"


@pytest.fixture
def submitted(client: TestClient, store: Store) -> dict[str, float]:
    """2025 approved (the demo); 市科技局 enters and submits 2026: a doubled population (a jump), R&D expenditure +10%, I03 typed."""
    load_demo(store, years=(YEAR - 1,))
    snap = snapshot(store)
    last = {o.code: float(o.value) for o in snap.observations(year=YEAR - 1, region=CITY) if o.value is not None}
    token = login(client, "keji")
    typed = {"resident_population": round(last["resident_population"] * 2, 2), "rd_expenditure": round(last["rd_expenditure"] * 1.1, 2), "I03": 1.7}
    entries = [{"region": CITY, "year": YEAR, "code": c, "value": str(v), "source": "市统计局", "note": "人口普查口径调整" if c == "resident_population" else ""}
               for c, v in typed.items()]
    r = client.post("/api/data/entries", json=entries, headers={"X-CSRF-Token": token})
    assert r.status_code == 200, r.text
    assert client.post("/api/data/submit", json={"year": YEAR}, headers={"X-CSRF-Token": token}).json()["submitted"] == 3
    return last


def test_the_queue_names_raw_statistics_and_compares_with_last_year(client: TestClient, submitted: dict[str, float]) -> None:
    login(client, "admin")
    queue = client.get("/api/data/review").json()
    rows = {r["code"]: r for g in queue["groups"] for r in g["items"]}
    assert set(rows) == {"resident_population", "rd_expenditure", "I03"}
    pop, rd, i03 = rows["resident_population"], rows["rd_expenditure"], rows["I03"]
    assert (pop["name"], pop["unit"], pop["shown_code"], pop["raw"]) == ("年末常住人口", "万人", "I01-2", True)
    assert (rd["name"], rd["unit"]) == ("R&D经费内部支出", "万元")
    assert pop["last_year"] == submitted["resident_population"] and pop["last_year_text"] == number(submitted["resident_population"], "万人")
    assert round(pop["change_pct"]) == 100 and pop["jump"] and not rd["jump"] and round(rd["change_pct"]) == 10
    # an indicator derived last year from raw statistics has last year's value too
    assert i03["last_year"] is not None and i03["last_year_text"] != "—" and not re.search(r"\d\.\d{3,}", i03["last_year_text"])
    assert rd["new_text"] == number(round(submitted["rd_expenditure"] * 1.1, 2), "万元") and re.fullmatch(r"\d{5}万元", rd["new_text"])  # 5 significant digits
    page = client.get("/data/review").text
    assert "年末常住人口" in page and "resident_population</td>" not in page and "I01-2" in page
    assert number(submitted["resident_population"], "万人") in page and "+100%" in page and "变化较大，请核对" in page
    english = client.get("/data/review?lang=en").text
    assert "Year-end resident population" in english and "a large change: check it" in english
    assert "10k persons" in english and "万人" not in english.split('id="queue"', 1)[1].split("</table>", 1)[0]  # units in English too


def test_the_figures_table_shows_last_year_and_the_change(client: TestClient, submitted: dict[str, float]) -> None:
    login(client, "keji")
    data = client.get(f"/api/data?year={YEAR}").json()
    mine = {f["code"]: f for f in data["figures"]}
    pop = mine["resident_population"]
    assert (pop["name"], pop["unit"], pop["shown_code"]) == ("年末常住人口", "万人", "I01-2")
    assert pop["last_year"] == submitted["resident_population"] and round(pop["change_pct"]) == 100 and pop["jump"]
    assert mine["I03"]["value_text"] == "1.7%" and mine["I03"]["last_year_text"] != "—"
    page = client.get(f"/data?year={YEAR}").text
    figures = page[page.index('id="figures"'):]
    assert "年末常住人口" in figures and number(submitted["resident_population"], "万人") in figures and "+100%" in figures
    # the edit form gets the stored value, every digit, not the text for people
    r = client.get(f"/data?year={YEAR}&edit={mine['rd_expenditure']['id']}")
    typed = str(round(submitted["rd_expenditure"] * 1.1, 2))
    assert len(typed.replace(".", "")) > 6 and f'id="entry-value" name="value" inputmode="decimal" autocomplete="off" value="{typed}"' in r.text
