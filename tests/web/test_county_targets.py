"""County plans: a county reporter enters its own targets, the bureau approves; approved targets drive the counties' targets table."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from stpi.errors import ConflictError, ForbiddenError
from stpi.store import Store
from stpi.store.county_targets import TargetEntry, county_targets, own_targets, set_county_targets
from tests.web.conftest import login
from tests.readkit import read


def test_enter_approve_and_use(client: TestClient, store: Store) -> None:
    token = login(client, "wudu")
    page = client.get("/counties/targets")
    assert page.status_code == 200 and page.text.count('name="t|621202|') == 32  # its own county only
    form_token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post("/counties/targets", data={"csrf_token": form_token, "t|621202|I13|": "1.5", "t|621202|I01|": "x"})
    assert r.status_code == 422 and "I01" in r.text and county_targets(store) == []  # all or none
    r = client.post("/counties/targets", data={"csrf_token": form_token, "t|621202|I13|": "1.5"}, follow_redirects=False)
    assert r.status_code == 303
    [mine] = county_targets(store)
    assert (mine.region, mine.code, mine.target, mine.status, mine.version) == ("621202", "I13", 1.5, "submitted", 1)
    assert own_targets(store) == {}  # not in force before approval
    assert client.post("/api/counties/targets", json=[{"region": "621221", "code": "I13", "target": 2.0}], headers={"X-CSRF-Token": token}).status_code == 403
    token = login(client, "admin")
    assert "待审核的县区目标" in client.get("/counties/targets").text
    r = client.post("/api/counties/targets/decide", json={"keys": [["621202", "I13", 1]], "approve": True}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200
    assert own_targets(store)[("武都区", "I13")].target == 1.5
    data = client.get("/api/counties/targets").json()
    assert any(r["region"] == "621202" and r["code"] == "I13" and r["status"] == "approved" for r in data["rows"])


def test_counties_targets_use_the_approved_own_target(store: Store) -> None:
    from stpi.analysis.counties import OWN_SCOPE
    from stpi.queries.checks import counties_report

    admin = store.user("admin")
    set_county_targets(store, [TargetEntry("621202", "I13", 1.7)], user=admin, source="县区方案.csv")
    _, _, rep = counties_report(read(store), year=None, tolerance=0.005, missing="reweight")
    rows = rep.targets[(rep.targets["region"] == "武都区") & (rep.targets["code"] == "I13")]
    assert rows["target"].iloc[0] == 1.7 and rows["target_scope"].iloc[0] == OWN_SCOPE
    other = rep.targets[(rep.targets["region"] == "成县") & (rep.targets["code"] == "I13")]
    assert other["target"].iloc[0] == 1.1 and other["target_scope"].iloc[0] == "counties"  # the plan's 县区 target still


def test_a_stale_version_is_refused(store: Store) -> None:
    admin = store.user("admin")
    set_county_targets(store, [TargetEntry("621202", "I13", 1.7)], user=admin)
    set_county_targets(store, [TargetEntry("621202", "I13", 1.8, expected_version=1)], user=admin)
    with pytest.raises(ConflictError):
        set_county_targets(store, [TargetEntry("621202", "I13", 1.9, expected_version=1)], user=admin)
    assert [(t.target, t.version) for t in county_targets(store)] == [(1.8, 2)]
    with pytest.raises(ForbiddenError):
        set_county_targets(store, [TargetEntry("621202", "I13", 1.9)], user=store.user("keji"))


def test_the_bulletin_counts_each_county_against_its_targets(tmp_path: object) -> None:
    from pathlib import Path

    from stpi.queries.bulletin import gather_bulletin
    from stpi.queries.demo import load_demo
    from stpi.reports.bulletin import sections

    url = f"sqlite:///{Path(str(tmp_path)) / 'demo.db'}"
    st = Store(url)
    load_demo(Store(url), years=(2025,))
    set_county_targets(st, [TargetEntry("621202", "I13", 0.0001)], user=st.user("admin"))
    b = gather_bulletin(read(url), year=2025)
    wudu = next(c for c in b.counties if c.cells[0] == "武都区")
    other = next(c for c in b.counties if c.cells[0] == "成县")
    assert wudu.cells[3].endswith("（本县目标1项）") and "本县目标" not in other.cells[3]
    heading, blocks = next(s for s in sections(b) if s[0] == "县区排名")
    assert blocks[1][1][0][-1] == "达到县区目标"
    st.close()
