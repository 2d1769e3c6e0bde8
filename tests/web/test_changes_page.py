"""The overview's "what changed" box: since the last bulletin download, a date or the user's last visit; each item links to its page."""

from __future__ import annotations

from starlette.testclient import TestClient

from stpi.store import Store
from stpi.store import observations as ob
from tests.web.conftest import login


def _revise(store: Store, code: str = "I17", factor: float = 3.0) -> None:
    frame = ob.frame(store)
    old = frame[(frame["region"] == "陇南市") & (frame["year"] == 2025) & (frame["indicator"] == code)]["value"].iloc[0]
    ob.write(store, [ob.Entry("陇南市", code, "2025", float(old) * factor)], actor="admin", revise=True)
    ob.transition(store, "approve", actor="admin", year=2025, regions=["陇南市"], codes=[code])


def test_since_the_last_bulletin(client: TestClient, store: Store) -> None:
    from stpi.queries.demo import load_demo

    load_demo(store, years=(2024, 2025))
    first = client.get("/api/overview").json()["changes"]
    assert first["since"] == {"mode": "bulletin", "at": None, "label": first["since"]["label"]} and first["figures"]["new"] > 0
    login(client, "leader")
    assert client.get("/downloads/bulletin.html?year=2025").status_code == 200  # the download is audited: the next reference
    _revise(store)
    ch = client.get("/api/overview").json()["changes"]
    assert ch["since"]["mode"] == "bulletin" and ch["since"]["at"] is not None
    assert (ch["figures"]["new"], ch["figures"]["revised"]) == (0, 1)
    item = ch["figures"]["items"][0]
    assert (item["code"], item["year"], item["kind"], item["url"]) == ("I17", 2025, "revised", "/indicators/I17?year=2025")
    assert item["new"] == item["old"] * 3
    assert any(light["code"] == "I17" for light in ch["lights"]["items"])
    assert ch["summary"].startswith("自上次下载进展通报") and "修订数据1项" in ch["summary"] and ch["summary"].endswith("。")
    page = client.get("/").text
    assert 'id="changes"' in page and 'href="/indicators/I17?year=2025"' in page
    assert "1 revised figure;" in client.get("/api/overview?lang=en").json()["changes"]["summary"]  # one: singular


def test_since_a_date_and_a_visit(client: TestClient, store: Store) -> None:
    from stpi.queries.demo import load_demo

    load_demo(store, years=(2025,))
    assert client.get("/api/overview?since=2100-01-01").json()["changes"]["summary"].endswith("没有变化。")
    assert client.get("/api/overview?since=yesterday").status_code in (400, 422)
    login(client, "leader")
    first = client.get("/api/overview?since=visit").json()["changes"]
    assert first["since"]["at"] is None  # the first visit: everything so far
    login(client, "leader")
    _revise(store)
    ch = client.get("/api/overview?since=visit").json()["changes"]
    assert ch["since"]["mode"] == "visit" and ch["since"]["at"] is not None and ch["figures"]["revised"] == 1
