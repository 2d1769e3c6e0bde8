"""Own computation against the province's feedback report, node by node: overview, indicator page, bulletin."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from stpi import service
from stpi.analysis import compute_index, values_from_frame
from stpi.framework.io import export_framework
from stpi.framework.model import Provenance
from stpi.queries.bulletin import gather_bulletin
from stpi.queries.indicator import indicator_page
from stpi.queries.overview import overview
from stpi.queries.published import comparison, parameters_kind
from stpi.reports.bulletin import sections, write_html
from stpi.store import Store, notes
from tests.queries.seeds import city_2023
from tests.readkit import read

SOURCE = "2024年评价反馈"


def feedback(store: Store, path: Path, shift: dict[str, float]) -> dict[str, float]:
    """The city's 2023 scores of every node under the framework in force, some shifted, imported as the feedback report."""
    fw = store.framework()
    figures = read(None).figures()
    mine = figures[(figures["region"] == store.plan().region) & (figures["year"] == 2023)]
    scores = compute_index(fw, values_from_frame(mine, fw)).built.scores[0, 0]
    published = {c: round(float(v), 2) + shift.get(c, 0.0) for c, v in zip(fw.tree.codes, scores)}
    path.write_text("地区,年份,代码,得分,排名\n" + "".join(f"陇南市,2023,{c},{v:.2f},{'11' if c == fw.root.code else ''}\n" for c, v in published.items()), encoding="utf-8")
    notes.import_published_scores(store, path, source=SOURCE, actor="admin")
    return published


def test_without_a_feedback_report_nothing_is_shown(store: Store) -> None:
    city_2023(store)
    assert overview(read(None), year=2023)["feedback"] is None and comparison(read(None), year=2023) is None
    assert indicator_page(read(None), "I01")["feedback"] is None
    b = gather_bulletin(read(None), year=2023, issued=date(2024, 3, 1))
    assert b.feedback == () and "与省评价反馈对比" not in [h for h, _ in sections(b)]


def test_overview_shows_every_published_node_with_the_difference(store: Store, tmp_path: Path) -> None:
    city_2023(store)
    published = feedback(store, tmp_path / "fb.csv", {"A2": 1.5, "I07": -2.0})
    fb = overview(read(None), year=2023)["feedback"]
    assert fb["year"] == 2023 and fb["sources"] == [SOURCE] and fb["resolution"] == 0.005
    rows = {r["code"]: r for r in fb["rows"]}
    assert len(rows) == 50 and [r["code"] for r in fb["rows"]][:2] == ["INDEX", "A1"] and rows["INDEX"]["rank"] == 11
    assert rows["A2"]["difference"] == pytest.approx(-1.5, abs=0.006) and rows["I07"]["difference"] == pytest.approx(2.0, abs=0.006)
    assert all(abs(r["difference"]) <= 0.005 + 1e-9 for c, r in rows.items() if c not in ("A2", "I07"))
    assert rows["A2"]["published"] == published["A2"] and fb["max_abs"] == pytest.approx(2.0, abs=0.006)
    assert fb["parameters"]["kind"] == "illustrative" and "示意参数" in fb["parameters"]["text"]
    page = indicator_page(read(None), "I07")["feedback"]
    assert [(r["year"], r["published"], r["source"]) for r in page["rows"]] == [(2023, published["I07"], SOURCE)]
    assert page["rows"][0]["difference"] == pytest.approx(2.0, abs=0.006)
    b = gather_bulletin(read(None), year=2023, issued=date(2024, 3, 1))
    heads = [h for h, _ in sections(b)]
    assert "与省评价反馈对比" in heads and len(b.feedback) == 50
    line = next(x for x in b.feedback if "A2 " in x.label)
    assert line.cells[0] == f"{published['A2']:.2f}" and line.cells[2] == "-1.50"
    assert "示意参数" in b.feedback_note and SOURCE in b.feedback_note
    html = write_html(b, tmp_path / "b.html", {}).read_text(encoding="utf-8")
    assert "与省评价反馈对比" in html and "-1.50" in html and SOURCE in html


def test_the_parameters_used_are_named(store: Store, tmp_path: Path) -> None:
    fw = store.framework()
    assert parameters_kind(fw)["kind"] == "illustrative"
    official = Provenance("official", "甘肃省科技厅")
    rebuilt = Provenance("official", "reconstructed from 2024年评价反馈")
    full = replace(fw, nodes=tuple(replace(n, weight_provenance=official if n.parent else None, standard_provenance=official if n.standard is not None else None) for n in fw.nodes))
    assert parameters_kind(full) == {"kind": "official", "complete": True, "text": "本市计算使用官方参数"}
    part = replace(fw, nodes=tuple(replace(n, standard_provenance=rebuilt) if n.code == "I01" else n for n in fw.nodes))
    kind = parameters_kind(part)
    assert kind["kind"] == "reconstructed" and not kind["complete"] and "部分参数仍为示意参数" in kind["text"]
    path = tmp_path / "fw.yaml"
    export_framework(replace(full, nodes=tuple(replace(n, standard_provenance=rebuilt) if n.standard is not None else n for n in full.nodes)), "yaml", path)
    service.import_framework(str(path), None, store=Store(None), actor="admin")
    city_2023(store)
    feedback(store, tmp_path / "fb.csv", {})
    assert overview(read(None), year=2023)["feedback"]["parameters"] == {"kind": "reconstructed", "complete": True, "text": "本市计算使用据省评价反馈重建的参数"}
