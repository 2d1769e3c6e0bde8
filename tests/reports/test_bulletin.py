"""The bulletin's DOCX and PDF read back against GB/T 9704—2012, and rendered to PNG (LibreOffice, pdftoppm) as artefacts.

The pages go to ``artifacts/bulletin/`` to be looked at. Where LibreOffice or pdftoppm is missing
the render tests skip, unless STPI_REQUIRE_RENDER is set (scripts/test.sh installs both and sets it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import docx
import pypdf
import pytest

from stpi.errors import StpiError
from stpi.reports import charts, pdf_fonts
from stpi.reports.bulletin import Bulletin, GroupLine, Line, sections, write_docx, write_html
from stpi.reports.chinese import arabic_date, fullwidth, latin_words, zh_only

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ARTEFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "bulletin"
REQUIRE = bool(os.environ.get("STPI_REQUIRE_RENDER"))
HALF_WIDTH = re.compile(r"[\u4e00-\u9fff（）：，；][,:;()]|[,:;()][\u4e00-\u9fff]")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if REQUIRE:
            pytest.fail(f"{name} is not installed (scripts/test.sh installs it)")
        pytest.skip(f"{name} is not installed")
    return found


def _line(label: str, *cells: str, owners: str = "") -> Line:
    return Line(label, cells, owners)


def bulletin(**changes: object) -> Bulletin:
    """A bulletin of every kind of content, with the half-width and English texts the store and messages hand over."""
    values: dict[str, object] = dict(
        region="陇南市", year=2025, baseline_year=2022, target_year=2026, issuer="陇南市科技领导小组办公室", doc_number="陇科领办〔2025〕3号",
        issued=date(2025, 12, 20), illustrative=True,
        parameter_rules=("assumed: 示意参数:同级节点等权 illustrative: equal weights among siblings (official Gansu weights are not public)",),
        policy="reweight(同级已有指标权重重新归一)", index=39.12, index_milestone=40.35, index_status="moderate", goal_index=43.26, goal_at_least=True,
        goal_rank=9, goal_rank_approx=True, goal_regions=14, with_data=31, indicators=32,
        groups=(GroupLine("A1", "科技进步环境", 1, 41.49, 40.91, 43.26, "on_track", "green"), GroupLine("G01", "科技人力资源", 2, 42.36, 42.82, 43.26, "moderate", "yellow")),
        lights={"red": tuple(_line(f"{n}. 万人输出技术成交额", "638.3", "903.8", "进展有限", owners="市科技局、市工信局") for n in range(1, 30)),
                "yellow": (_line("1. 万人专业技术人员数", "196", "196.5", "进展一般", owners="市人社局"),),
                "green": (_line("3. 科学研究和技术服务业城镇单位就业人员占比", "1.59", "1.588", "按进度推进", owners="市科技局"),), "grey": ()},
        previous_year=2024, change=2.66, movers=(_line("20. 技术成交额占GDP比重", "+0.295", owners="市科技局"),),
        county_year=2025, counties=(_line("1", "成县", "44.69", "32/32", "17/32"),),
        warnings=(_line("19. 万人输出技术成交额", "红色", "0.558", owners="市科技局、市工信局"), _line("6. 万人发明专利拥有量", "黄色", "0.027", owners="市市场监管局")),
        late=(_line("4、9", owners="市统计局"),), focus=(_line("19. 万人输出技术成交额(万元)", "638.33", "1029", "0.82", owners="市科技局"),),
        focus_text="按“总努力最小”方案测算(以各指标最新值为起点),应优先推进以下指标:", demo=True,
        feedback=(_line("INDEX 综合科技进步水平指数", "39.12", "39.12", "-0.00"), _line("　A2 科技活动投入", "38.52", "37.02", "-1.50")),
        feedback_note="出处:演示数据(合成,非真实统计) demo data (synthetic, not real statistics),公布得分精确到±0.005。",
        rank=10, rank_regions=14, rank_source="省评价反馈", supervision=(_line("技术合同登记进度滞后", "待反馈", "2026年1月10日", owners="市科技局"),),
    )
    values.update(changes)
    return Bulletin(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def pictures() -> dict[str, bytes]:
    return {"groups": charts.groups_chart(["科技人力资源"], [42.4], [42.8], ["yellow"], title="2025年二级指标得分与里程碑", note="得分(0–100);示意参数"),
            "path": charts.index_path_chart([2022, 2025], [31.6, 39.1], [31.6, 40.4], goal=43.26, goal_year=2026, title="综合科技进步水平指数", note="指数(%)")}


def _texts(d: docx.document.Document) -> list[str]:
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    return [p.text for p in d.paragraphs] + cells


# ------------------------------------------------------------------ Chinese text


@pytest.mark.parametrize(("text", "expected"), [
    ("各县区人民政府,市直有关部门:", "各县区人民政府，市直有关部门："),
    ("指数为39.12%(32项有数据),当年", "指数为39.12%（32项有数据），当年"),
    ("综合指数 (%)", "综合指数（%）"),
    ("共1,234.5万元;增长43.26%", "共1,234.5万元；增长43.26%"),  # the thousands separator and the decimal point stay
    ("时间10:30,地点", "时间10:30，地点"),
    ("f(x), a:b", "f(x), a:b"),  # not Chinese text: untouched
    ("无数据(I03, I05)", "无数据（I03, I05）"),
])
def test_fullwidth(text: str, expected: str) -> None:
    assert fullwidth(text) == expected
    assert fullwidth(expected) == expected  # idempotent


def test_english_is_dropped_from_bilingual_text_and_dates_are_arabic() -> None:
    assert zh_only("演示数据（合成） demo data (synthetic, not real statistics)，公布") == "演示数据（合成），公布"
    assert zh_only("技术成交额占GDP比重、R&D人员") == "技术成交额占GDP比重、R&D人员"
    assert latin_words("每名R&D人员、GDP、I15") == ["I"]
    assert arabic_date(date(2025, 12, 20)) == "2025年12月20日" and arabic_date(date(2026, 1, 4)) == "2026年1月4日"


def test_sections_say_it_in_chinese() -> None:
    b = bulletin()
    text = "\n".join(str(x) for _, blocks in sections(b) for _, content in blocks for x in (content if isinstance(content, tuple) else (content,)))
    assert "上升2.66个百分点" in text and "个点" not in text.replace("个百分点", "")
    assert "居第10位（省评价反馈），距第9位的目标还差1位" in text and "距目标还差4.14个百分点" in text
    assert "缺失指标不计入" in text and "reweight" not in text and "demo data" not in text and "illustrative" not in text
    assert "注：本通报使用演示数据和示意参数，不代表正式评价结果。" in text
    assert "INDEX" not in text and "A2" not in text  # node codes dropped from the feedback table
    real = "\n".join(str(c) for _, blocks in sections(bulletin(demo=False, illustrative=False)) for _, c in blocks)
    assert "注：" not in real and "示意参数" not in real


# ------------------------------------------------------------------ Word


def test_docx_follows_gbt_9704(tmp_path: Path, pictures: dict[str, bytes]) -> None:
    path = write_docx(bulletin(), tmp_path / "通报.docx", pictures)
    d = docx.Document(str(path))
    section = d.sections[0]
    # page numbers: a PAGE field between one-character dashes, odd footers right and even ones left
    assert d.settings.odd_and_even_pages_header_footer
    for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
        p = footer.paragraphs[0]
        xml = p._p.xml
        assert "PAGE" in "".join(t.text or "" for t in p._p.iter(f"{W}instrText")) and 'w:fldCharType="begin"' in xml
        assert p.text.startswith("— ") and p.text.endswith(" —") and str(p.alignment).lower().startswith(align)
        assert p.runs[0].font.size.pt == 14 and p.runs[0]._element.rPr.rFonts.get(f"{W}eastAsia") == "宋体"
    # every table: header rows repeat, no row splits
    body_tables = [t for t in d.tables if "抄送" not in t.rows[0].cells[0].text]
    assert len(body_tables) >= 8
    for t in body_tables:
        trs = [row._tr for row in t.rows]
        assert trs[0].trPr.find(f"{W}tblHeader") is not None and all(tr.trPr.find(f"{W}cantSplit") is not None for tr in trs)
    red = next(t for t in body_tables if len(t.rows) == 30)  # the 29 red indicators: a table longer than a page
    assert red.rows[0].cells[0].text == "指标"
    # 成文日期 in Arabic numerals, four characters in from the right; the signature over it
    paras = d.paragraphs
    k = next(i for i, p in enumerate(paras) if p.text == "2025年12月20日")
    assert paras[k].paragraph_format.right_indent.pt == 64 and paras[k - 1].text == "陇南市科技领导小组办公室"
    assert "二〇二五" not in "\n".join(_texts(d))
    # 版记: 抄送, then 印发机关 and 印发日期 between rules
    colophon = next(t for t in d.tables if t.rows[0].cells[0].text.startswith("抄送："))
    assert colophon.rows[0].cells[0].text.endswith("。") and "，" in colophon.rows[0].cells[0].text
    assert [c.text for c in colophon.rows[1].cells] == ["陇南市科技领导小组办公室", "2025年12月20日印发"]
    borders = colophon._tbl.xml
    assert borders.count("<w:top ") >= 1 and borders.count("<w:bottom ") >= 2
    # the four heading levels, each in its face
    heads = {p.text: p.runs[0]._element.rPr.rFonts.get(f"{W}eastAsia") for p in paras if p.runs and p.runs[0]._element.rPr is not None}
    assert heads["一、总体情况"] == "黑体" and heads["（一）红灯指标（进展有限或倒退）29项"] == "楷体_GB2312"
    assert any(re.match(r"^1\.压实牵头责任。", p.text) for p in paras) and any(p.text.startswith("2.抓好红黄灯指标整改。") and "2026年1月4日前" in p.text for p in paras)
    # Chinese as a Chinese document writes it: full-width punctuation, no English words, 百分点
    texts = _texts(d)
    assert not [t for t in texts if HALF_WIDTH.search(t)]
    assert not [w for t in texts for w in latin_words(t)], [t for t in texts if latin_words(t)]
    assert any("百分点" in t for t in texts) and not any("个点" in t.replace("个百分点", "") for t in texts)
    assert sum("注：本通报使用演示数据和示意参数" in t for t in texts) == 1


def test_departments_are_listed_once_with_their_indicators(tmp_path: Path) -> None:
    d = docx.Document(str(write_docx(bulletin(), tmp_path / "b.docx", {})))
    table = next(t for t in d.tables if t.rows[0].cells[0].text == "牵头单位" and len(t.columns) == 3)
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert [r[0] for r in rows] == ["市科技局", "市工信局", "市市场监管局"]
    assert rows[0][1].startswith("19. 万人输出技术成交额（0.558）") and rows[2][1] == "—" and "6. 万人发明专利拥有量" in rows[2][2]


def test_html_has_the_same_words(tmp_path: Path) -> None:
    page = write_html(bulletin(), tmp_path / "b.html", {}).read_text(encoding="utf-8")
    assert "2025年12月20日印发" in page and "抄送：省科技厅" in page and "<h3>（一）红灯指标" in page
    assert "demo data" not in page and "reweight" not in page


# ------------------------------------------------------------------ PDF and the rendered pages


def _pdf_text(path: Path) -> list[str]:
    return [re.sub(r"\s+", "", page.extract_text()) for page in pypdf.PdfReader(str(path)).pages]


def test_pdf_is_set_in_ofl_fonts(tmp_path: Path, pictures: dict[str, bytes]) -> None:
    from stpi.reports.bulletin_pdf import write_pdf

    try:
        pdf_fonts.find_face("serif", False)
    except StpiError:
        if REQUIRE:
            raise
        pytest.skip("Noto CJK fonts are not installed")
    path = write_pdf(bulletin(), tmp_path / "通报.pdf", pictures)
    reader = pypdf.PdfReader(str(path))
    used = set()
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"].get_object()
        used |= {str(fonts[name.decode()]["/BaseFont"]) for name in re.findall(rb"(/\S+) [\d.]+ Tf", page.get_contents().get_data())}
    assert used and all(re.search(r"\+Noto(Serif|Sans)CJKsc-(Regular|Bold)$", f) for f in used) and not any("SimHei" in f for f in used)
    pages = _pdf_text(path)
    assert all(f"—{n}—" in text for n, text in enumerate(pages, start=1))
    text = "".join(pages)
    assert "2025年12月20日" in text and "抄送：省科技厅" in text and pages[-1].rstrip(f"—{len(pages)}—").endswith("2025年12月20日印发")
    assert "上升2.66个百分点" in text and not HALF_WIDTH.search(text) and not latin_words(text)
    _to_png(path, "pdf")


def test_no_ofl_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_fonts, "_fc_match", lambda family, bold: None)
    monkeypatch.setattr(pdf_fonts, "KNOWN_DIRS", ())
    pdf_fonts.find_face.cache_clear()
    try:
        with pytest.raises(StpiError, match="fonts-noto-cjk"):
            pdf_fonts.find_face("serif", True)
    finally:
        pdf_fonts.find_face.cache_clear()


def _to_png(pdf: Path, name: str) -> list[Path]:
    pdftoppm = _tool("pdftoppm")
    out = ARTEFACTS / name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    subprocess.run([pdftoppm, "-r", "60", "-png", str(pdf), str(out / "page")], check=True, timeout=120)
    pngs = sorted(out.glob("page-*.png"))
    assert len(pngs) == len(pypdf.PdfReader(str(pdf)).pages) and all(p.read_bytes()[:4] == b"\x89PNG" for p in pngs)
    return pngs


def test_docx_renders_with_libreoffice(tmp_path: Path, pictures: dict[str, bytes]) -> None:
    soffice = _tool("soffice")
    path = write_docx(bulletin(), tmp_path / "bulletin.docx", pictures)
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo'}", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=300)
    pdf = tmp_path / "bulletin.pdf"
    pages = _pdf_text(pdf)
    assert len(pages) >= 3
    assert all(f"—{n}—" in text for n, text in enumerate(pages, start=1))  # the PAGE field, computed by LibreOffice on every page
    text = "".join(pages)
    assert text.count("指标2025年值里程碑状态牵头单位") >= 2  # the red list's header again on the next page
    assert "2025年12月20日印发" in text and "抄送：省科技厅" in text
    _to_png(pdf, "docx")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chart_legends_are_in_the_documents_language(lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    from matplotlib.axes import Axes

    legend = Axes.legend

    def spy(self: Axes, *args: object, **kw: object) -> object:
        seen.extend(t for t in self.get_legend_handles_labels()[1])
        return legend(self, *args, **kw)

    monkeypatch.setattr(Axes, "legend", spy)
    charts.index_path_chart([2022, 2025], [31.6, 39.1], [31.6, 40.4], goal=43.26, goal_year=2026, title="t", note="n", lang=lang)
    charts.groups_chart(["a"], [42.4], [42.8], ["yellow"], title="t", note="n", lang=lang)
    if lang == "zh":
        assert seen == ["里程碑路径", "综合指数", "2026年目标43.26%", "里程碑", "得分"]
    else:
        assert seen == ["milestone path", "index", "2026 goal 43.26%", "milestone", "score"]
    with pytest.raises(StpiError):
        charts.groups_chart(["a"], [1.0], [1.0], ["red"], title="t", note="n", lang="fr")


def test_paper_prints_no_addresses_the_html_keeps_its_links(tmp_path: Path, pictures: dict[str, bytes]) -> None:
    """The changes table's 链接 column: Word and PDF leave it out (a URL path means nothing on paper), the HTML keeps it."""
    changed = bulletin(changes=(_line("修订数据", "陇南市2025年 19. 万人输出技术成交额：600 → 638.3", "https://stpi.example.cn/indicators/I19?year=2025"),
                                _line("新督办单", "督办〔2025〕1号 市科技局：技术合同登记进度滞后", "/supervision")),
                       changes_text="自上次下载进展通报（2025-11-20 09:00）以来：修订数据1项；新督办单1件。")
    paper = dict(sections(changed))["上次通报以来的变化"]
    assert paper[1] == ("table", (["类别", "内容"], [["修订数据", "陇南市2025年 19. 万人输出技术成交额：600 → 638.3"], ["新督办单", "督办〔2025〕1号 市科技局：技术合同登记进度滞后"]]))
    web = dict(sections(changed, links=True))["上次通报以来的变化"]
    assert web[1][1][0] == ["类别", "内容", "链接"] and [r[2] for r in web[1][1][1]] == ["https://stpi.example.cn/indicators/I19?year=2025", "/supervision"]
    d = docx.Document(str(write_docx(changed, tmp_path / "b.docx", pictures)))
    words = "\n".join(_texts(d))
    assert "修订数据1项" in words and "技术合同登记进度滞后" in words and not re.search(r"https?://|/indicators/|/supervision", words)
    page = write_html(changed, tmp_path / "b.html", pictures).read_text(encoding="utf-8")
    assert "<td>https://stpi.example.cn/indicators/I19?year=2025</td>" in page and "<td>/supervision</td>" in page
    try:
        pdf_fonts.find_face("serif", False)
    except StpiError:
        if REQUIRE:
            raise
        return  # no OFL fonts: the PDF is checked where they are installed
    from stpi.reports.bulletin_pdf import write_pdf

    text = "".join(_pdf_text(write_pdf(changed, tmp_path / "b.pdf", pictures)))
    assert "技术合同登记进度滞后" in text and not re.search(r"https?://|/indicators/|/supervision", text)
