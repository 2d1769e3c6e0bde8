"""``stpi demo load`` and ``stpi serve --demo``: demo figures in, labelled everywhere, never over real data."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner, Result

from stpi.analysis.demo_peers import DEMO_LABEL
from stpi.cli import app
from stpi.store import Entry, Store
from stpi.store import notes
from stpi.store import observations as ob
from stpi.store.settings import get_setting
from stpi.web import create_app
from tests.cli.clitools import plain

runner = CliRunner()


def run(*args: str, ok: bool = True) -> Result:
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, (result.output, result.exception)
    return result


def test_load_writes_labelled_approved_figures_and_ranks(store: Store) -> None:
    out = plain(run("demo", "load", "--years", "2024,2025", "--seed", "11").stdout)
    assert "2024, 2025" in out and DEMO_LABEL in out and "/14" in out
    figures = ob.observations(store)
    assert figures and {o.source for o in figures} == {DEMO_LABEL} and {o.status for o in figures} == {"approved"}
    assert {o.year for o in figures} == {2024, 2025} and len({o.region for o in figures}) == 1 + 9 + 13
    assert get_setting(store, "demo_data") is True
    published = notes.published_results(store, year=2025)
    assert len(published) == 14 and sorted(p.rank for p in published) == list(range(1, 15))
    assert {p.source for p in published} == {DEMO_LABEL}
    # the same seed again changes nothing; another seed adds vintages, still demo data
    again = plain(run("demo", "load", "--years", "2024,2025", "--seed", "11").stdout)
    assert "新写入 0 条" in again and len(ob.observations(store)) == len(figures)
    run("demo", "load", "--years", "2025", "--seed", "12")
    assert len(ob.observations(store, history=True)) > len(figures)
    assert {o.source for o in ob.observations(store)} == {DEMO_LABEL}


def test_refuses_a_store_with_real_figures(store: Store) -> None:
    ob.write(store, [Entry("621200", "I01", "2023", 196.0, source="市人社局")], actor="admin")
    before = len(store.audit())
    result = run("demo", "load", ok=False)
    assert result.exit_code != 0 and "非演示数据" in plain(result.output + str(result.exception))
    assert len(ob.observations(store)) == 1 and len(store.audit()) == before  # nothing written
    assert get_setting(store, "demo_data") is False


def test_bad_years_are_refused(store: Store) -> None:
    result = run("demo", "load", "--years", "2024,twenty", ok=False)
    assert result.exit_code != 0 and not ob.observations(store)


def test_banner_and_numbers_on_the_web() -> None:
    run("demo", "load")  # into the embedded default store, whose overview is public
    store = Store()
    with TestClient(create_app(store=store)) as client:
        page = client.get("/")
        assert page.status_code == 200 and "演示数据" in page.text and 'class="banner demo"' in page.text
        data = client.get("/api/overview").json()
        assert data["year"] == 2025 and data["with_data"] == 32 and data["rank"]["rank"] is not None
        assert DEMO_LABEL in data["rank"]["source"]
        lights = {row["light"] for row in data["indicators"]}
        assert {"green", "yellow", "red"} <= lights
        assert f"{data['index']['value']:.2f}" in page.text
        login = client.get("/login")
        assert 'class="banner demo"' in login.text  # every page, not only the dashboard
    store.close()


def test_serve_demo_makes_a_separate_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    served: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append(app))
    result = run("serve", "--demo")
    assert "demo.db" in plain(result.output) and len(served) == 1
    demo = Store(f"sqlite:///{tmp_path / 'home' / 'demo.db'}")
    try:
        assert get_setting(demo, "demo_data") is True and get_setting(demo, "public_overview") is True
        assert {o.source for o in ob.observations(demo)} == {DEMO_LABEL}
    finally:
        demo.close()
    assert not (tmp_path / "home" / "stpi.db").exists()  # the real store is left alone
    run("serve", "--demo")  # second start: reuses it
    assert len(served) == 2
    assert run("serve", "--demo", "--database", f"sqlite:///{tmp_path / 'x.db'}", ok=False).exit_code == 2


def test_serve_https_only_marks_the_session_cookie_secure(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from stpi.store.accounts import set_password

    set_password(store, "admin", "correct-horse-42", actor="system")
    served: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append(app))
    run("serve", "--https-only")
    run("serve")
    cookies = []
    for app_ in served:
        with TestClient(app_, base_url="https://testserver") as client:  # type: ignore[arg-type]
            r = client.post("/api/login", json={"username": "admin", "password": "correct-horse-42"})
            assert r.status_code == 200
            cookies.append(r.headers["set-cookie"].lower())
    assert "secure" in cookies[0] and "secure" not in cookies[1]


def test_every_file_and_listing_from_a_demo_store_says_demo(tmp_path: Path) -> None:
    """Files made from demo data say so: bulletin, assessment, warnings, counties, workbook; so do the commands."""
    from docx import Document
    from openpyxl import load_workbook

    from stpi.store.settings import DEMO_NOTE

    runner = CliRunner()
    assert runner.invoke(app, ["demo", "load", "--years", "2023"]).exit_code == 0
    for args in (["report", "warnings", "--year", "2023"], ["track"], ["values"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "演示数据" in result.output, args
    bulletin, assessment, warnings, counties, book = (tmp_path / n for n in ("b.docx", "a.docx", "w.xlsx", "c.xlsx", "wb.xlsx"))
    for args in (["report", "bulletin", "--year", "2023", "-o", str(bulletin)], ["report", "assessment", "--year", "2023", "-o", str(assessment)],
                 ["report", "warnings", "--year", "2023", "-o", str(warnings)], ["report", "counties", "--year", "2023", "-o", str(counties)],
                 ["report", "workbook", "-o", str(book)]):
        assert runner.invoke(app, args).exit_code == 0, args
    assert "注：本通报使用演示数据" in "\n".join(p.text for p in Document(str(bulletin)).paragraphs)
    assert DEMO_NOTE in "\n".join(p.text for p in Document(str(assessment)).paragraphs)
    for path in (warnings, counties, book):
        cells = [str(c.value) for ws in load_workbook(path).worksheets for row in ws.iter_rows() for c in row if c.value]
        assert any("演示数据" in c for c in cells), path.name
