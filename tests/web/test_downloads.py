"""Downloads: every document in every format, read back and checked against the engine, the JSON overview and the CLI."""

from __future__ import annotations

import io
from urllib.parse import unquote

import docx
import pandas as pd
import pypdf
import pytest
import yaml
from openpyxl import load_workbook
from starlette.testclient import TestClient
from typer.testing import CliRunner

from stpi import service
from stpi.queries.checks import counties_report, warnings_report
from stpi.store import Entry, Store
from stpi.store import observations as ob
from tests.queries.seeds import city_2023_paced, counties_2023
from tests.web.conftest import login
from tests.readkit import read

def _seed(store: Store) -> None:
    """2023 city figures at four paces (so there are warnings) and three counties' figures; all approved."""
    city_2023_paced(store)
    counties_2023(store)


def _fetch(client: TestClient, kind: str, fmt: str, year: int | None = 2023) -> tuple[str, bytes]:
    """Download one document; check status, media type and both file names; return the Chinese name and the bytes."""
    r = client.get(f"/downloads/{kind}.{fmt}" + (f"?year={year}" if year else ""))
    assert r.status_code == 200, r.text[:500]
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=\"stpi-") and "filename*=UTF-8''" in disposition
    assert disposition.encode("ascii")  # the header itself is plain ASCII; the Chinese name is percent-encoded
    name = unquote(disposition.split("filename*=UTF-8''")[1])
    assert name.endswith(f".{fmt}")
    return name, r.content


def _audited(client: TestClient) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = client.get("/api/audit?action=download&limit=1000").json()["entries"]
    return entries


def test_bulletin_in_three_formats_says_the_overview_index(client: TestClient, store: Store) -> None:
    _seed(store)
    login(client, "admin")
    view = client.get("/api/overview?year=2023").json()
    index = view["index"]["value"]  # an incomplete year's index is the labelled estimate, in the bulletin too
    sentence = f"综合科技进步水平指数{'为' if view['complete'] else '预估为'}{index:.2f}%"
    name, data = _fetch(client, "bulletin", "docx")
    assert name == "陇南市2023年进展通报.docx"
    document = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert sentence in text and "示意参数" in text and "红灯指标" in text
    assert len(document.inline_shapes) >= 2  # both charts embedded
    name, data = _fetch(client, "bulletin", "html")
    assert name == "陇南市2023年进展通报.html" and sentence in data.decode("utf-8")
    name, data = _fetch(client, "bulletin", "pdf")
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    assert name == "陇南市2023年进展通报.pdf" and len(pages) >= 2
    assert f"{index:.2f}%" in "".join(p.extract_text() for p in pages)
    assert [e["key"] for e in _audited(client)] == [f"bulletin.{f}?year=2023" for f in ("pdf", "html", "docx")]  # newest first
    assert all(e["actor"] == "admin" and e["entity"] == "document" for e in _audited(client))


def test_spreadsheets_match_the_engine(client: TestClient, store: Store) -> None:
    _seed(store)
    login(client, "leader")  # a viewer may download everything
    index = client.get("/api/overview?year=2023").json()["index"]["value"]
    # workbook: the city's 2023 composite index in the results sheet is the overview's
    name, data = _fetch(client, "workbook", "xlsx")
    book = load_workbook(io.BytesIO(data))
    assert name == "陇南市2023年监测工作簿.xlsx" and "示意参数" in book["说明"]["A1"].value
    results = [r for r in book["结果"].iter_rows(min_row=3, values_only=True) if r[0] == "陇南市" and r[1] == 2023 and r[4] == 0]
    assert len(results) == 1 and results[0][5] == pytest.approx(index, abs=1e-9)
    # warnings: the same indicators that the engine warns about
    _, fw, table, _ = warnings_report(read(None), year=2023, years=1, path=None, missing="reweight")
    name, data = _fetch(client, "warnings", "xlsx")
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    codes = [r[1] for r in sheet.iter_rows(min_row=2, values_only=True) if r[1]]
    assert name == "陇南市2023年指标预警.xlsx" and len(table) > 0 and codes == list(table["code"])
    # counties: each county's index as the engine computes it
    _, _, rep = counties_report(read(None), year=2023, tolerance=0.005, missing="reweight")
    name, data = _fetch(client, "counties", "xlsx")
    rows = {r[0]: r[2] for r in load_workbook(io.BytesIO(data))["县区指数 Index"].iter_rows(min_row=2, values_only=True)}
    assert name == "陇南市2023年县区报告.xlsx" and rows == pytest.approx(dict(zip(rep.index["region"], rep.index["index"])))
    assert rows["武都区"] == pytest.approx(43.26, abs=1e-6)  # 武都区 reports every target: exactly the plan's goal
    # assessment: one row per department, in both formats
    name, data = _fetch(client, "assessment", "xlsx")
    summary = load_workbook(io.BytesIO(data))["汇总"]
    departments = [r[1] for r in summary.iter_rows(min_row=3, values_only=True) if isinstance(r[0], int)]
    assert name == "陇南市2023年部门考核.xlsx" and len(departments) == len(store.plan().departments)
    name, data = _fetch(client, "assessment", "docx")
    words = "\n".join(c.text for t in docx.Document(io.BytesIO(data)).tables for row in t.rows for c in row.cells)
    assert name == "陇南市2023年部门考核.docx" and all(d in words for d in departments)
    assert len(_audited(client)) == 5 and {e["actor"] for e in _audited(client)} == {"leader"}


def test_tables_are_the_command_lines_bytes(client: TestClient, store: Store) -> None:
    _seed(store)
    login(client, "keji")
    import stpi.cli.index  # noqa: F401  (registers plan/framework export)
    from stpi.cli import app

    runner = CliRunner()
    for kind, fmt, args in (("plan", "csv", ["plan", "export", "--format", "csv"]), ("framework", "yaml", ["framework", "export", "--format", "yaml"]),
                            ("framework", "csv", ["framework", "export", "--format", "csv"])):
        cli = runner.invoke(app, args)
        assert cli.exit_code == 0, cli.output
        _, data = _fetch(client, kind, fmt, year=None)
        assert data == (b"\xef\xbb\xbf" if fmt == "csv" else b"") + cli.stdout_bytes  # CSV gets a BOM for Excel/WPS, nothing else differs
    plan = store.plan()
    name, data = _fetch(client, "plan", "csv", year=None)
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert name == "陇南市实施方案指标表.csv" and list(frame["code"]) == [i.code for i in plan.indicators]
    assert frame["target_2026"].tolist() == pytest.approx([i.target for i in plan.indicators])
    name, data = _fetch(client, "plan", "xlsx", year=None)
    assert name == "陇南市实施方案指标表.xlsx" and load_workbook(io.BytesIO(data))["plan"].max_row == len(plan.indicators) + 1
    fw = store.framework(2023)
    name, data = _fetch(client, "framework", "yaml")
    assert name == "陇南市2023年指标框架.yaml" and len(yaml.safe_load(data)["nodes"]) == len(fw.nodes)
    name, data = _fetch(client, "framework", "xlsx")
    assert name == "陇南市2023年指标框架.xlsx" and load_workbook(io.BytesIO(data))["framework"].max_row == len(fw.nodes) + 1
    frame = pd.read_csv(io.BytesIO(_fetch(client, "framework", "csv")[1]), encoding="utf-8-sig")
    assert set(frame["code"]) == {n.code for n in fw.nodes}


def test_values_are_the_approved_figures(client: TestClient, store: Store) -> None:
    _seed(store)
    ob.write(store, [Entry("621221", "I28", "2023", 0.01, source="=1+2", note="@SUM(A1)")], actor="admin")
    ob.transition(store, "approve", actor="admin")
    ob.write(store, [Entry("621222", "I28", "2023", 0.02)], actor="admin")  # a draft: not approved, not exported
    login(client, "admin")
    approved = read(None).figures()
    name, data = _fetch(client, "values", "csv")
    assert name == "陇南市2023年审核通过数据.csv" and data.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"期间 Period": str})
    city = frame[frame["地区 Region"] == "陇南市"].set_index("代码 Code")["值 Value"]
    mine = approved[(approved["region"] == "陇南市") & (approved["year"] == 2023)].set_index("indicator")["value"]
    assert city["I01"] == pytest.approx(mine["I01"]) and set(mine.index) <= set(city.index)
    assert {"武都区", "成县", "文县"} <= set(frame["地区 Region"]) and (frame["期间 Period"] == "2023").all()
    assert frame[frame["地区 Region"] == "文县"]["值 Value"].notna().all() and 0.02 not in set(frame["值 Value"])
    guarded = frame[(frame["地区 Region"] == "成县") & (frame["代码 Code"] == "I28")].iloc[0]
    assert guarded["来源 Source"] == "'=1+2" and guarded["备注 Note"] == "'@SUM(A1)"  # no formula reaches Excel
    name, data = _fetch(client, "values", "xlsx")
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert name == "陇南市2023年审核通过数据.xlsx" and sheet.max_row == len(frame) + 1
    assert not any(isinstance(c, str) and c.startswith("=") for row in sheet.iter_rows(values_only=True) for c in row)


def test_unknown_documents_and_years_are_404(client: TestClient, store: Store) -> None:
    login(client, "admin")
    for url in ("/downloads/nothing.docx", "/downloads/bulletin.xlsx", "/downloads/plan.yaml", "/downloads/bulletin", "/downloads/audit.xlsx"):
        r = client.get(url, headers={"accept": "application/json"})
        assert r.status_code == 404, url
    r = client.get("/downloads/bulletin.docx?year=2031", headers={"accept": "application/json"})
    assert r.status_code == 404 and "2031年没有数据" in r.json()["message"] and "2022" in r.json()["message"]
    page = client.get("/downloads/bulletin.docx?year=2031")
    assert page.status_code == 404 and "2031年没有数据" in page.text and "<html" in page.text  # a person sees a page, not JSON
    assert client.get("/downloads/bulletin.docx?year=1800").status_code == 422
    assert client.get("/downloads/" + "x" * 40 + ".docx").status_code == 422
    assert _audited(client) == []  # failed downloads leave no entry
    # the baseline year works on a store without any reported figure
    name, data = _fetch(client, "bulletin", "docx", year=None)
    assert name == "陇南市2022年进展通报.docx" and "2022年陇南市综合科技进步水平指数为" in "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def test_who_may_download(client: TestClient, store: Store) -> None:
    assert client.get("/api/downloads").status_code == 401
    assert client.get("/downloads/plan.csv", headers={"accept": "application/json"}).status_code == 401
    r = client.get("/downloads/plan.csv", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/downloads/plan.csv"
    r = client.get("/downloads", follow_redirects=False)
    assert r.status_code == 303
    for user in ("leader", "wudu", "renshe"):
        login(client, user)
        assert client.get("/downloads/plan.csv").status_code == 200
    assert client.get("/downloads/audit.csv").status_code == 403  # a reporter may download documents, not the audit log


def test_the_list_and_its_page(client: TestClient, store: Store) -> None:
    _seed(store)
    login(client, "leader")
    data = client.get("/api/downloads").json()
    assert data["year"] == 2023 and data["years"] == [2022, 2023] and data["illustrative"] is True
    kinds = {d["kind"]: d["formats"] for d in data["documents"]}
    assert kinds == {"bulletin": ["docx", "html", "pdf"], "assessment": ["xlsx", "docx"], "warnings": ["xlsx"], "counties": ["xlsx"], "workbook": ["xlsx"],
                     "plan": ["xlsx", "csv"], "framework": ["xlsx", "yaml", "csv"], "values": ["csv", "xlsx"]}
    urls = [u for d in data["documents"] for u in d["urls"].values()]
    assert "/downloads/bulletin.pdf?year=2023" in urls and "/downloads/plan.csv" in urls and len(urls) == 15
    assert data["template_url"] is None and data["audit_url"] == "/downloads/audit.csv"  # a viewer reports nothing but reads the log
    page = client.get("/downloads?year=2022")
    assert page.status_code == 200 and 'href="/downloads/bulletin.docx?year=2022"' in page.text and "示意参数" in page.text
    assert all(d["title"] in page.text for d in data["documents"]) and "/data/template.xlsx" not in page.text
    assert client.get("/api/downloads?year=2030").json()["year"] == 2023  # a year without figures shows the latest
    assert "没有数据" in client.get("/downloads?year=2030").text
    assert client.get("/api/downloads?year=99999").status_code == 422
    assert "Progress bulletin" in client.get("/downloads?lang=en").text
    login(client, "keji")
    assert client.get("/api/downloads").json()["template_url"] == "/data/template.xlsx?year=2023"
    assert client.get("/api/downloads").json()["audit_url"] is None
    login(client, "admin")
    page = client.get("/downloads").text
    assert 'name="department"' in page and 'value="621202"' in page and 'for="tpl-county"' in page
