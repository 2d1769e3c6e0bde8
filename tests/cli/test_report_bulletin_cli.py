"""stpi report bulletin on a real store: DOCX, HTML and PDF read back and checked against track()."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import docx
import pypdf
import pytest
from typer.testing import CliRunner

import stpi.cli.report_bulletin  # noqa: F401  (registers the command)
from stpi.analysis.track import track
from stpi.cli import app
from stpi.reports.bulletin import STATUS_TEXT, chinese_date
from stpi.reports.chinese import fullwidth
from stpi.store import Store
from tests.readkit import read
from tests.queries.seeds import city_2023_paced

runner = CliRunner()
_seed = city_2023_paced


def _run(*args: str) -> None:
    result = runner.invoke(app, ["report", "bulletin", *args])
    assert result.exit_code == 0, (result.output, result.exception)


def _expected(store: Store) -> tuple[float, dict[str, int], dict[str, str]]:
    plan, fw = store.plan(), store.framework()
    tracked = track(plan, fw, read(None).figures())
    now = tracked[tracked["year"] == 2023]
    leaves = now[now["code"].isin([n.code for n in fw.leaves])]
    counts = leaves["light"].value_counts().to_dict()
    # names as a Chinese document prints them: full-width punctuation (高技术产业（制造业）…)
    owners = {fullwidth(f"{plan.indicator(r.code).no}. {r.name}"): "、".join(plan.department(d).name for d in r.lead.split(";") if d) for r in leaves.itertuples()}
    from stpi.queries.overview import overview

    index = overview(read(None), year=2023)["index"]["value"]  # the year's index; for an incomplete year the estimate the bulletin states
    return float(index), counts, owners


def _docx_text(path: Path) -> tuple[str, list[list[str]]]:
    d = docx.Document(str(path))
    rows = [[c.text for c in row.cells] for t in d.tables for row in t.rows]
    return "\n".join(p.text for p in d.paragraphs), rows


def test_docx_matches_track(store: Store, tmp_path: Path) -> None:
    _seed(store)
    out = tmp_path / "通报.docx"
    _run("--year", "2023", "--output", str(out), "--date", "2026-11-27")
    index, counts, owners = _expected(store)
    text, rows = _docx_text(out)
    assert re.search(f"综合科技进步水平指数(预估)?为{index:.2f}%", text)
    assert f"绿灯{counts.get('green', 0)}项、黄灯{counts.get('yellow', 0)}项、红灯{counts.get('red', 0)}项" in text
    assert counts.get("red", 0) and counts.get("yellow", 0) and counts.get("green", 0)
    for light, intro in (("red", "红灯指标"), ("yellow", "黄灯指标"), ("green", "绿灯指标")):
        assert re.search(f"{intro}[^0-9]*{counts.get(light, 0)}项", text)
    # every light row names the indicator's lead departments as track() has them
    listed = {r[0]: r[-1] for r in rows if r[0] in owners}
    assert len(listed) == counts["red"] + counts["yellow"] + counts["green"]
    assert all(listed[k] == owners[k] for k in listed)
    assert "示意参数" in text and "陇南市科技领导小组办公室" in text and "陇科领办〔2026〕X号" in text
    assert "2026年11月27日" in text and "二〇二六" not in text and "与2022年相比" in text  # GB/T 9704—2012: the date in Arabic numerals
    assert "一、总体情况" in text and "七、下一步工作重点" in text and "尚无审核通过的县区数据" in text
    d = docx.Document(str(out))
    s = d.sections[0]
    assert [round(x.mm, 1) for x in (s.top_margin, s.bottom_margin, s.left_margin, s.right_margin, s.page_width, s.page_height)] == [37, 35, 28, 26, 210, 297]  # stored in twips
    assert len(d.inline_shapes) == 2  # the groups' chart and the index path
    fonts = {r._element.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") for p in d.paragraphs for r in p.runs if r._element.rPr is not None}
    assert {"方正小标宋简体", "仿宋_GB2312", "黑体"} <= fonts


def test_html_is_self_contained(store: Store, tmp_path: Path) -> None:
    _seed(store)
    out = tmp_path / "通报.html"
    _run("--year", "2023", "--format", "html", "--output", str(out))
    index, counts, owners = _expected(store)
    page = out.read_text(encoding="utf-8")
    assert f"{index:.2f}%" in page and f"红灯{counts['red']}项" in page and f"黄灯{counts['yellow']}项" in page
    assert len(re.findall(r'src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"', page)) == 2
    assert not re.search(r"https?://", page) and "示意参数" in page
    some = next(k for k in owners if owners[k])
    assert f"<td>{some}</td>" in page and owners[some] in page


def test_pdf_matches_track(store: Store, tmp_path: Path) -> None:
    _seed(store)
    out = tmp_path / "通报.pdf"
    _run("--year", "2023", "--output", str(out), "--date", "2026-11-27")  # .pdf: the format from the suffix
    index, counts, owners = _expected(store)
    reader = pypdf.PdfReader(str(out))
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))  # lines wrap anywhere in CJK text
    assert re.search(f"综合科技进步水平指数(预估)?为{index:.2f}%", text)
    assert f"绿灯{counts['green']}项、黄灯{counts['yellow']}项、红灯{counts['red']}项" in text
    for light, intro in (("red", "红灯指标"), ("yellow", "黄灯指标"), ("green", "绿灯指标")):
        assert re.search(f"{intro}[^0-9]*{counts[light]}项", text)
    # a light row reads: label, value, milestone, status, lead departments (cells are drawn row by row)
    status = "|".join(map(re.escape, STATUS_TEXT.values()))
    rows = {k: re.search(re.escape(re.sub(r"\s+", "", k)) + rf"[-—0-9.e+]*(?:{status})(\S*?)(?=\d+\.|$)", text) for k in owners}
    listed = {k: m.group(1) for k, m in rows.items() if m}
    assert len(listed) == counts["red"] + counts["yellow"] + counts["green"]
    assert all(listed[k].startswith(re.sub(r"\s+", "", owners[k])) for k in listed)
    assert "示意参数" in text and "陇南市科技领导小组办公室" in text and "陇科领办〔2026〕X号" in text
    assert "2026年11月27日" in text and "一、总体情况" in text and "七、下一步工作重点" in text
    assert [round(float(x) / 72 * 25.4) for x in reader.pages[0].mediabox.upper_right] == [210, 297]
    used = set()  # the fonts the pages draw with (reportlab also lists an unused Helvetica in every page's resources)
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"].get_object()
        used |= {str(fonts[name.decode()]["/BaseFont"]) for name in re.findall(rb"(/\S+) [\d.]+ Tf", page.get_contents().get_data())}
    assert used and all(re.search(r"\+Noto(Serif|Sans)CJKsc-(Regular|Bold)$", f) for f in used)  # subsets of the OFL Noto CJK fonts, embedded
    assert sum(len(page.images) for page in reader.pages) == 2  # the groups' chart and the index path
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm not on PATH: pages not rendered")
    pngs = tmp_path / "pages"
    pngs.mkdir()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(out), str(pngs / "page")], check=True)
    assert len(list(pngs.glob("page-*.png"))) == len(reader.pages)


def test_baseline_only_says_so(tmp_path: Path) -> None:
    out = tmp_path / "b.docx"
    _run("--output", str(out))
    text, _ = _docx_text(out)
    assert "目前只有基期（2022年）数据" in text and "2022年" in text and "示意参数" in text


def test_bad_format(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "bulletin", "--output", str(tmp_path / "x.txt")])
    assert result.exit_code == 2 and "pdf" in result.output


@pytest.mark.parametrize(("day", "text"), [(date(2026, 11, 27), "二〇二六年十一月二十七日"), (date(2024, 1, 3), "二〇二四年一月三日"), (date(2030, 10, 10), "二〇三〇年十月十日"), (date(2025, 12, 31), "二〇二五年十二月三十一日")])
def test_chinese_date(day: date, text: str) -> None:
    assert chinese_date(day) == text


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo store (2024, 2025) for the module; each test works on a copy."""
    from stpi.queries.demo import load_demo

    path = tmp_path_factory.mktemp("bulletin_cli_demo") / "demo.db"
    store = Store(f"sqlite:///{path}")
    load_demo(store, years=(2024, 2025))
    store.close()
    return path


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> str:
    copy = tmp_path / "demo.db"
    shutil.copy(demo_file, copy)
    return f"sqlite:///{copy}"


def _pdf_text(path: Path) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in pypdf.PdfReader(str(path)).pages))


def test_rank_supervision_and_copy_to_in_docx_and_pdf(demo: str, tmp_path: Path) -> None:
    from stpi.store import supervision as sv

    store = Store(demo)
    plan = store.plan()
    dept = plan.department("sci") if any(d.code == "sci" for d in plan.departments) else plan.departments[0]
    sv.issue(store, department_code=dept.code, subject="技术合同登记进度滞后", request="说明原因", deadline=date(2099, 1, 10), actor="admin")
    docx_out, pdf_out = tmp_path / "通报.docx", tmp_path / "通报.pdf"
    for out in (docx_out, pdf_out):
        _run("--database", demo, "--year", "2025", "--output", str(out), "--date", "2099-01-20", "--copy-to", "省科技厅，市统计局")
    text, rows = _docx_text(docx_out)
    sentence = f"2025年{plan.region}在全省14个市州中居第10位（省评价反馈），距第{plan.goal.rank}位的目标还差{10 - plan.goal.rank}位。"
    assert sentence in text
    assert [dept.name, "技术合同登记进度滞后", "待反馈（已逾期）", "2099年1月10日"] in rows  # the open 督办, overdue on the 成文日期
    assert "督办事项" in text and "按期办结督办事项" in text
    copy_rows = [r for r in rows if r and r[0].startswith("抄送：")]
    assert copy_rows and copy_rows[0][0] == "抄送：省科技厅，市统计局。"
    pdf = _pdf_text(pdf_out)
    assert re.sub(r"\s+", "", sentence) in pdf and "技术合同登记进度滞后待反馈（已逾期）2099年1月10日" in pdf and "抄送：省科技厅，市统计局。" in pdf


def test_command_line_bulletins_are_audited_and_paper_prints_no_addresses(demo: str, tmp_path: Path) -> None:
    from stpi.store import supervision as sv
    from stpi.store.settings import set_setting

    store = Store(demo)
    set_setting(store, "site_url", "https://stpi.example.cn", actor="admin")
    first = tmp_path / "first.docx"
    _run("--database", demo, "--year", "2025", "--output", str(first))
    made = store.audit(action="download", entity="document", key="bulletin.")
    assert [(e.actor, e.key, e.new) for e in made] == [("cli", "bulletin.docx?year=2025", "first.docx")]
    text, _ = _docx_text(first)
    assert "上次通报以来的变化" not in text  # the first bulletin has nothing to compare with
    department = store.plan().departments[0].code
    sv.issue(store, department_code=department, subject="先下发的督办事项", request="说明原因", deadline=date(2099, 1, 10), actor="admin")
    page, second = tmp_path / "second.html", tmp_path / "third.docx"
    _run("--database", demo, "--year", "2025", "--output", str(page))
    sv.issue(store, department_code=department, subject="新的督办事项", request="说明原因", deadline=date(2099, 1, 10), actor="admin")
    _run("--database", demo, "--year", "2025", "--output", str(second), "--user", "admin")  # compares with the HTML made just before
    assert [e.actor for e in store.audit(action="download", entity="document", key="bulletin.")] == ["admin", "cli", "cli"]  # newest first
    text, rows = _docx_text(second)
    assert "一、上次通报以来的变化" in text and "新督办单1件" in text
    assert ["类别", "内容"] in rows and any(r[0] == "新督办单" and "新的督办事项" in r[1] for r in rows)
    d = docx.Document(str(second))
    everything = text + "".join(c for r in rows for c in r) + "".join(p.text for s in d.sections for p in s.footer.paragraphs)
    assert "/supervision" not in everything and "http" not in everything and "/indicators/" not in everything  # paper prints no URL paths
    html_page = page.read_text(encoding="utf-8")
    assert "先下发的督办事项" in html_page and "https://stpi.example.cn/supervision" in html_page  # the HTML keeps its links
    listed = [r[1] for r in rows if r[0] == "新督办单"]  # counted from the HTML; the department by name
    assert len(listed) == 1 and re.fullmatch(rf"督办〔\d{{4}}〕2号 {store.plan().departments[0].name}：新的督办事项", listed[0])
