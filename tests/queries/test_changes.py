"""What changed: the figures then rebuilt from the audit log, compared with now; ranks published first; notices from the audit."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from stpi.errors import InputError
from stpi.queries.changes import changes, reference_moment
from stpi.queries.demo import load_demo
from stpi.store import Store
from stpi.store import observations as ob
from stpi.store.asof import approvals_since, approved_frame_as_of
from stpi.store.core import now
from stpi.store.notes import add_published_result
from tests.readkit import read


@pytest.fixture
def demo(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    Store(url)
    load_demo(Store(url), years=(2024, 2025))
    return url


def _bulletin(store: Store) -> None:
    with store.session() as s:
        Store.audit_in(s, "leader", "download", "document", "bulletin.docx?year=2025", "", "进展通报.docx")
    time.sleep(0.002)  # the next writes come strictly after it


def test_the_frame_then_is_the_frame_approved_then(demo: str) -> None:
    store = Store(demo)
    before = ob.frame(store)
    at = now()
    time.sleep(0.002)
    ob.write(store, [ob.Entry("陇南市", "I17", "2025", 9.0), ob.Entry("陇南市", "I17", "2026", 1.0)], actor="admin", revise=True)
    pending = ob.frame(store)
    assert approved_frame_as_of(store, at, pending, approvals_since(store, at)).equals(pending)  # nothing approved since
    ob.transition(store, "approve", actor="admin", regions=["陇南市"], codes=["I17"])
    changed = approvals_since(store, at)
    assert {(c.code, c.period) for c in changed} == {("I17", "2025"), ("I17", "2026")}
    then = approved_frame_as_of(store, at, ob.frame(store), changed)
    key = ["region", "year", "indicator"]
    assert then.sort_values(key).reset_index(drop=True).equals(before.sort_values(key).reset_index(drop=True))


def test_new_revised_lights_ranks_and_notices(demo: str) -> None:
    store = Store(demo)
    _bulletin(store)
    ob.write(store, [ob.Entry("陇南市", "I17", "2025", 5.0), ob.Entry("武都区", "I17", "2026", 1.0)], actor="admin", revise=True)
    ob.transition(store, "approve", actor="admin", codes=["I17"])
    add_published_result(store, region="621200", year=2025, index_value=45.0, rank=8, source="甘肃省科技厅 2026", actor="admin")
    with store.session() as s:
        Store.audit_in(s, "admin", "issue", "supervision", "2026-001", "", "sci: 指标17进度滞后 (by 2026-12-31)", "请说明")
    ch = changes(read(demo))
    assert ch["since"]["mode"] == "bulletin"
    assert (ch["figures"]["new"], ch["figures"]["revised"]) == (1, 1)
    kinds = {(f["region"], f["year"], f["kind"]) for f in ch["figures"]["items"]}
    assert kinds == {("陇南市", 2025, "revised"), ("武都区", 2026, "new")}
    assert ch["ranks"] == [{"year": 2025, "old": 10, "new": 8, "url": "/#rank-history"}]
    assert ch["notices"]["items"][0]["number"] == "2026-001" and ch["notices"]["items"][0]["text"] == f"{store.plan().department('sci').name}：指标17进度滞后" and ch["notices"]["items"][0]["url"] == "/supervision"
    assert any(x["code"] == "I17" and x["year"] == 2025 for x in ch["lights"]["items"])
    assert "2025年排名由第10位变为第8位" in ch["summary"] and "新督办单1件" in ch["summary"]


def test_reference_moments(demo: str) -> None:
    store = Store(demo)
    assert reference_moment(store, "bulletin") == ("bulletin", None)
    _bulletin(store)
    mode, at = reference_moment(store, "bulletin")
    assert mode == "bulletin" and at is not None
    assert reference_moment(store, "bulletin", before=at) == ("bulletin", None)  # a bulletin is not its own reference
    assert reference_moment(store, "2025-03-01")[1].isoformat() == "2025-03-01T00:00:00"  # type: ignore[union-attr]
    assert reference_moment(store, "visit", user="nobody") == ("visit", None)
    with pytest.raises(InputError):
        reference_moment(store, "last week")
    assert changes(read(demo), since="2100-01-01")["summary"].endswith("没有变化。")


def test_the_bulletin_opens_with_what_changed_since_the_last(demo: str, tmp_path: Path) -> None:
    from stpi.queries.changes import bulletin_changes
    from stpi.reports.bulletin import sections

    store = Store(demo)
    assert bulletin_changes(read(demo)) == {"changes": (), "changes_text": ""}  # the first bulletin: no section
    _bulletin(store)
    ob.write(store, [ob.Entry("陇南市", "I17", "2025", 5.0)], actor="admin", revise=True)
    ob.transition(store, "approve", actor="admin", codes=["I17"])
    part = bulletin_changes(read(demo))
    assert part["changes_text"].startswith("自上次下载进展通报") and "修订数据1项" in part["changes_text"]
    kinds = [line.label for line in part["changes"]]
    assert "修订数据" in kinds and "灯色变化" in kinds
    assert all(line.cells[1].startswith("/") for line in part["changes"])  # the link (site_url in front when set)
    from stpi.queries.bulletin import gather_bulletin

    b = gather_bulletin(read(demo), year=2025)
    heading, blocks = sections(b)[0]
    assert heading == "上次通报以来的变化" and blocks[0] == ("p", b.changes_text)
    assert blocks[1][1][0] == ["类别", "内容"]  # paper prints no addresses
    assert sections(b, links=True)[0][1][1][1][0] == ["类别", "内容", "链接"]  # the HTML keeps them
