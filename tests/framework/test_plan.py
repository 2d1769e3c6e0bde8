"""The Longnan plan as transcribed in stpi, checked against an independent reading of the seed text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pytest

from stpi.errors import InputError, NotFoundError
from stpi.framework import Provenance, default_plan, embedded_framework, load_framework
from stpi.framework.io import framework_rows
from stpi.framework.plan import Plan, SubTarget, load_plan
from stpi.tables import write_table

# A verbatim copy of the published plan text (the project's seed), kept beside the test
# so that the transcription is checked on a clean clone too.
SEED = Path(__file__).with_name("longnan-plan-2024.txt")

CN_NUMERALS = "一二三四五六七八九十"
GROUP_HEADING = re.compile(r"^\(([一二三四五六七八九十]+)\)(\S+)$")
PARAGRAPH = re.compile(r"^(\d+)\.([^。]+)。(.+)$")
TARGET = re.compile(
    r"力争(?:由(?P<byear>\d{4})年的(?P<base>[\d.]+)\s*(?P<bunit>[^\d\s]+?))?"
    r"达到(?:(?P<tyear>\d{4})年的)?(?P<target>[\d.]+)\s*(?P<unit>[^\d\s,(以]+)(?P<atleast>以上)?"
    r"(?:\((?P<subs>[^)]*)\))?,排名(?P<rank>.+)。$"
)
GOAL = re.compile(r"力争全市综合科技进步水平指数(\d{4})年达到([\d.]+)%(以上)?,全省排名达到(\d+)位(左右)?")


@dataclass
class SeedIndicator:
    no: int
    name: str
    group_no: int
    group_name: str
    body: str
    measures: str = ""
    baseline: str | None = None
    target: str = ""
    unit: str = ""
    at_least: bool = False
    subs: list[tuple[str, float]] = field(default_factory=list)
    rank_goal: str = ""
    lead: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)


def _departments(line: str, label: str) -> list[str]:
    assert line.startswith(label + ":"), line
    return [d.strip() for d in line.split(":", 1)[1].split("、") if d.strip()]


def _read_target(ind: SeedIndicator) -> None:
    sentences = [s + "。" for s in ind.body.split("。") if s.strip()]
    (at,) = [i for i, s in enumerate(sentences) if "力争" in s]
    assert at == len(sentences) - 1, ind.no  # the target sentence closes each paragraph
    ind.measures = "".join(sentences[:at])
    m = TARGET.search(sentences[at])
    assert m, sentences[at]
    if m["base"] is not None:
        assert (m["byear"], m["tyear"]) == ("2022", "2026")
        assert m["bunit"] == m["unit"], ind.no
    ind.baseline, ind.target, ind.unit = m["base"], m["target"], m["unit"]
    ind.at_least, ind.rank_goal = bool(m["atleast"]), m["rank"]
    for part in (m["subs"] or "").split(","):
        if part:
            sub = re.fullmatch(r"(\D+?)([\d.]+)%", part.strip())
            assert sub, part
            ind.subs.append((sub[1], float(sub[2])))


def parse_seed(text: str) -> tuple[list[tuple[str, str]], list[SeedIndicator]]:
    """Group headings (numeral, name) and the indicators of section 二、主要任务."""
    section = text.split("二、主要任务", 1)[1].split("三、保障措施", 1)[0]
    lines = [ln.strip() for ln in section.splitlines() if ln.strip()]
    groups: list[tuple[str, str]] = []
    indicators: list[SeedIndicator] = []
    for i, line in enumerate(lines):
        if g := GROUP_HEADING.match(line):
            groups.append((g[1], g[2]))
        elif p := PARAGRAPH.match(line):
            ind = SeedIndicator(int(p[1]), p[2], len(groups), groups[-1][1], p[3])
            ind.lead = _departments(lines[i + 1], "牵头单位")
            ind.responsible = _departments(lines[i + 2], "责任单位")
            _read_target(ind)
            indicators.append(ind)
    return groups, indicators


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed(seed_text: str) -> tuple[list[tuple[str, str]], list[SeedIndicator]]:
    return parse_seed(seed_text)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return default_plan()


def _decimals(text: str | None) -> int:
    return len(text.split(".")[1]) if text and "." in text else 0


# ---------------------------------------------------------------- the independent reading itself


def test_seed_parser_finds_12_groups_and_32_indicators(seed: tuple[list[tuple[str, str]], list[SeedIndicator]]) -> None:
    groups, indicators = seed
    assert [g[0] for g in groups] == ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
    assert [i.no for i in indicators] == list(range(1, 33))
    assert [i.no for i in indicators if i.baseline is None] == [28]
    assert [i.no for i in indicators if i.at_least] == [9, 17]
    assert [i.no for i in indicators if i.subs] == [13]


# ---------------------------------------------------------------- every indicator against the seed


def test_indicator_numbers_codes_and_names(plan: Plan, seed: tuple[list[tuple[str, str]], list[SeedIndicator]]) -> None:
    _, indicators = seed
    assert len(plan.indicators) == 32
    for ind, s in zip(plan.indicators, indicators, strict=True):
        assert ind.no == s.no
        assert ind.code == f"I{s.no:02d}"
        assert ind.name == s.name


def test_baselines_and_targets(plan: Plan, seed: tuple[list[tuple[str, str]], list[SeedIndicator]]) -> None:
    _, indicators = seed
    for ind, s in zip(plan.indicators, indicators, strict=True):
        assert ind.baseline == (None if s.baseline is None else float(s.baseline)), s.no
        assert ind.target == float(s.target), s.no
        assert ind.target_at_least is s.at_least, s.no
        assert ind.unit == s.unit, s.no
        assert ind.decimals == max(2, _decimals(s.baseline), _decimals(s.target)), s.no
    assert plan.indicator("I28").baseline is None
    assert plan.indicator("28").target == 0.013 and plan.indicator("28").unit == "%"


def test_rank_goals(plan: Plan, seed: tuple[list[tuple[str, str]], list[SeedIndicator]]) -> None:
    _, indicators = seed
    for ind, s in zip(plan.indicators, indicators, strict=True):
        assert ind.rank_goal == s.rank_goal, s.no
    assert plan.indicator("I22").rank_goal == "保持在全省前列"


def test_lead_and_responsible_departments_in_order(plan: Plan, seed: tuple[list[tuple[str, str]], list[SeedIndicator]]) -> None:
    _, indicators = seed
    for ind, s in zip(plan.indicators, indicators, strict=True):
        assert [plan.department(c).name for c in ind.lead] == s.lead, s.no
        assert [plan.department(c).name for c in ind.responsible] == s.responsible, s.no
    assert [plan.department(c).name for c in plan.indicator("I04").lead] == [
        "市工信局", "市教育局", "市农业农村局", "市林草局", "市卫生健康委"
    ]


def test_measures_are_the_paragraph_before_the_target_sentence(
    plan: Plan, seed_text: str, seed: tuple[list[tuple[str, str]], list[SeedIndicator]]
) -> None:
    _, indicators = seed
    for ind, s in zip(plan.indicators, indicators, strict=True):
        assert ind.measures, s.no
        assert ind.measures in seed_text, s.no
        assert ind.measures == s.measures, s.no


def test_sources_cite_the_paragraph(plan: Plan, seed: tuple[list[tuple[str, str]], list[SeedIndicator]]) -> None:
    groups, indicators = seed
    for ind, s in zip(plan.indicators, indicators, strict=True):
        assert ind.source.endswith(f"({groups[s.group_no - 1][0]})第{s.no}条"), ind.source


def test_indicator_13_sub_targets(plan: Plan, seed: tuple[list[tuple[str, str]], list[SeedIndicator]]) -> None:
    i13 = plan.indicator("I13")
    assert (i13.baseline, i13.target) == (0.74, 1.2)
    assert i13.sub_targets == (SubTarget("city_level", "市本级", 2.1), SubTarget("counties", "县区", 1.1))
    assert [(s.name, s.target) for s in i13.sub_targets] == seed[1][12].subs
    assert all(not i.sub_targets for i in plan.indicators if i.no != 13)


# ---------------------------------------------------------------- goal, departments, notes


def test_goal(plan: Plan, seed_text: str) -> None:
    m = GOAL.search(seed_text)
    assert m
    g = plan.goal
    assert (g.index, g.at_least, g.rank, g.rank_approx, g.regions) == (43.26, True, 9, True, 14)
    assert (g.index, g.at_least, g.rank, g.rank_approx) == (float(m[2]), bool(m[3]), int(m[4]), bool(m[5]))
    assert plan.target_year == int(m[1]) == 2026 and plan.baseline_year == 2022
    assert g.text in seed_text


def test_eighteen_departments_all_named_in_the_seed(plan: Plan, seed: tuple[list[tuple[str, str]], list[SeedIndicator]]) -> None:
    _, indicators = seed
    codes = [d.code for d in plan.departments]
    names = [d.name for d in plan.departments]
    assert len(codes) == 18 and len(set(codes)) == 18 and len(set(names)) == 18
    named = {n for s in indicators for n in s.lead + s.responsible}
    assert set(names) == named
    assert all(d.name_en for d in plan.departments)
    assert plan.department("sci").name == "市科技局"
    assert plan.department("市科技局").code == "sci"
    with pytest.raises(NotFoundError):
        plan.department("市宣传部")
    with pytest.raises(NotFoundError):
        plan.indicator("I33")


def test_data_quality_notes(plan: Plan) -> None:
    i28 = plan.indicator("I28")
    assert "2022" in i28.note and "0.013%" in i28.note
    assert any("28" in n.zh and "2022" in n.zh and "2022" in n.en for n in plan.notes)
    assert "27.20%以上" in plan.indicator("I09").note
    assert "以上" in plan.indicator("I17").note
    assert any("高新技术产业化效益" in n.zh for n in plan.notes)
    assert "0.013%" in i28.note_en and i28.note_label("en") == i28.note_en and i28.note_label("zh") == i28.note
    g09 = embedded_framework().node("G09")
    assert g09.name == "高新技术产业化"
    assert "高新技术产业化效益" in g09.note


def test_plan_metadata(plan: Plan) -> None:
    assert (plan.region, plan.province, plan.framework, plan.issued) == ("陇南市", "甘肃省", "gansu-city", "2024-01-03")
    assert Provenance.parse(plan.provenance).kind == "official"


# ---------------------------------------------------------------- the framework built from the plan


def test_group_names_and_membership(plan: Plan, seed: tuple[list[tuple[str, str]], list[SeedIndicator]]) -> None:
    groups, indicators = seed
    fw = embedded_framework()
    level2 = fw.level(2)
    assert [g.code for g in level2] == [f"G{i:02d}" for i in range(1, 13)]
    assert [g.name for g in level2] == [name for _, name in groups]
    assert [a.code for a in fw.level(1)] == ["A1", "A2", "A3", "A4", "A5"]
    for ind, s in zip(plan.indicators, indicators, strict=True):
        node = fw.node(ind.code)
        assert node.parent == ind.group == f"G{s.group_no:02d}", s.no
        assert fw.node(node.parent).name == s.group_name
        assert node.name == s.name and node.unit == s.unit
        assert node.direction == 1


def test_illustrative_parameters(plan: Plan) -> None:
    fw = embedded_framework()
    assert fw.is_illustrative
    assert len(fw.leaves) == 32
    for ind in plan.indicators:
        assert fw.node(ind.code).standard == ind.target / 0.4326, ind.no
    for node in fw.nodes:
        kids = fw.children(node.code)
        if kids:
            assert all(k.weight == 1 / len(kids) for k in kids), node.code
    provenances = fw.parameter_provenances()
    assert len(provenances) == 49 + 32
    assert all(p is not None and p.kind == "assumed" for p in provenances)
    assert len(fw.parameter_rules()) == 2


def test_meeting_every_target_gives_the_goal(plan: Plan) -> None:
    fw = embedded_framework()
    effective = fw.tree.effective_weight[fw.tree.leaves]
    scores = [100 * min(1.0, ind.target / fw.node(ind.code).standard) for ind in plan.indicators]
    assert sum(w * s for w, s in zip(effective, scores)) == pytest.approx(43.26, abs=1e-9)


def test_check_against_passes_and_fails(plan: Plan, tmp_path: Path) -> None:
    fw = embedded_framework()
    plan.check_against(fw)
    rows = [r for r in framework_rows(fw) if r["code"] != "I32"]
    g12 = [r for r in rows if r["parent"] == "G12"]
    g12[0]["weight"] = "1.0"
    path = tmp_path / "short.csv"
    write_table(rows, list(rows[0]), path, fmt="csv")
    short = load_framework(path)
    with pytest.raises(InputError) as info:
        plan.check_against(short)
    assert [(p.field, p.value) for p in info.value.problems] == [("code", "I32")]
    assert "plan indicator not in framework" in info.value.problems[0].reason


def test_load_plan_reports_unknown_departments(tmp_path: Path) -> None:
    src = (resources.files("stpi") / "data" / "longnan-plan-2024.yaml").read_text(encoding="utf-8")
    path = tmp_path / "plan.yaml"
    path.write_text(src.replace("  - hrss\n  responsible:\n  - edu\n  - sci\n", "  - nobody\n  responsible:\n  - edu\n  - sci\n", 1), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_plan(path)
    assert [(p.row, p.field, p.value) for p in info.value.problems] == [(1, "lead/responsible", "nobody")]
    bad = tmp_path / "bad.yaml"
    bad.write_text("plan: {}\n", encoding="utf-8")
    with pytest.raises(InputError, match="invalid plan file"):
        load_plan(bad)
