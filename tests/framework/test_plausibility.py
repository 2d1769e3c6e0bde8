"""Plausibility rules as framework data: ranges, change limits, defaults by unit, provenance, export and import."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from stpi.errors import InputError
from stpi.framework.embedded import embedded_framework, embedded_variables
from stpi.framework.io import COLUMNS, export_framework, framework_rows, load_framework
from stpi.framework.plausibility import Range, default_range, parse_range, plausibility_rules
from stpi.ingest import read_submission
from stpi.tables import read_table, write_table


def test_defaults_by_unit_and_kind_of_measure() -> None:
    rules = plausibility_rules(embedded_framework(), embedded_variables()[0])
    assert str(rules["I03"].range) == "[0, 100]" and rules["I03"].provenance.kind == "assumed" and "default by unit" in str(rules["I03"].provenance)
    assert str(rules["I28"].range) == "(0, ∞)"  # a location quotient
    assert str(rules["I07"].range) == "[0, ∞)" and str(rules["I29"].range) == "[0, ∞)"  # a coefficient, an index
    assert rules["I25"].range.unbounded  # a profit rate may be negative
    assert str(rules["I17"].range) == "[0, ∞)" and str(rules["resident_population"].range) == "(0, ∞)"
    assert all(r.change_limit == 0.5 for r in rules.values())


@pytest.mark.parametrize("text, inside, outside", [("[0, 100]", [0, 100, 55.5], [-5, 150, 100.01]), ("(0, ∞)", [1e-9, 1e9], [0, -1]),
                                                  ("[0, )", [0], [-0.1]), ("(-∞, 10)", [-1e9, 9.99], [10])])
def test_ranges_read_as_intervals(text: str, inside: list[float], outside: list[float]) -> None:
    rng = parse_range(text)
    assert all(rng.contains(x) for x in inside) and not any(rng.contains(x) for x in outside)


@given(st.floats(-1e6, 1e6), st.floats(0, 1e6), st.booleans(), st.booleans())
def test_a_range_reads_back_from_its_text(lo: float, width: float, lo_open: bool, hi_open: bool) -> None:
    rng = Range(lo, lo + width, lo_open, hi_open)
    assert parse_range(str(rng)) == rng


def test_a_bad_range_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_range("0 to 100")
    with pytest.raises(ValueError):
        parse_range("[5, 1]")


def _framework_csv(tmp_path: Path, **extra: str) -> Path:
    rows = framework_rows(embedded_framework())
    for row in rows:
        if row["code"] == "I03":
            row.update(valid_range=extra.get("range", "[0, 10]"), change_limit=extra.get("limit", "0.2"), plausibility_provenance=extra.get("prov", "official: 省统计局口径 provincial bureau"))
    out = tmp_path / "fw.csv"
    write_table(rows, list(COLUMNS), out, fmt="csv")
    return out


def test_export_writes_the_rules_and_an_unchanged_import_keeps_the_framework(tmp_path: Path) -> None:
    fw = embedded_framework()
    for fmt in ("csv", "xlsx", "yaml"):
        export_framework(fw, fmt, tmp_path / f"f.{fmt}")
        back = load_framework(tmp_path / f"f.{fmt}")  # the defaults written read back as not given: the same rules, the same framework
        assert [(n.valid_range, n.change_limit, n.plausibility_provenance) for n in back.nodes] == [("", None, None)] * len(fw.nodes)
        assert plausibility_rules(back) == plausibility_rules(fw)
    rows = list(read_table(tmp_path / "f.csv").rows)
    i03 = next(r for _, r in rows if r["code"] == "I03")
    assert i03["valid_range"] == "[0, 100]" and float(i03["change_limit"]) == 0.5 and "default by unit" in i03["plausibility_provenance"]


def test_a_framework_rule_replaces_the_default(tmp_path: Path) -> None:
    fw = load_framework(_framework_csv(tmp_path))
    rule = plausibility_rules(fw)["I03"]
    assert str(rule.range) == "[0, 10]" and rule.change_limit == 0.2 and rule.provenance.kind == "official"
    (tmp_path / "d.csv").write_text("region,year,indicator,value,note\n陇南市,2023,I03,12,\n陇南市,2024,I03,8,\n", encoding="utf-8")
    sub = read_submission(tmp_path / "d.csv", plausible=plausibility_rules(fw), names={"I03": "占比"}, previous={("陇南市", "I03"): 6.0})
    reasons = [(p.row, p.code, p.name, p.reason) for p in sub.problems]
    assert reasons[0][:3] == (2, "I03", "占比") and "[0, 10]" in reasons[0][3] and "official" in reasons[0][3]
    assert reasons[1][:3] == (3, "I03", "占比") and "超过 20%" in reasons[1][3]  # 6 → 8 is 33%, above the framework's 20%


def test_a_bad_rule_in_a_framework_file_is_located(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        load_framework(_framework_csv(tmp_path, range="0..10", limit="-1"))
    found = {(p.field, p.code) for p in exc.value.problems}
    assert ("valid_range", "I03") in found and ("change_limit", "I03") in found


def test_a_raw_statistic_takes_its_rule_from_the_variables_file(tmp_path: Path) -> None:
    from stpi.framework.formula import load_variables

    text = """variables:
- code: awards
  name: 获奖数
  unit: 项
  kind: count
  valid_range: "[0, 50]"
  change_limit: 2
  plausibility_provenance: "official: 省科技厅"
- code: staff
  name: 人员
  unit: 人
  kind: population
  positive: true
formulas: []
"""
    (tmp_path / "v.yaml").write_text(text, encoding="utf-8")
    variables, _ = load_variables(tmp_path / "v.yaml")
    rules = plausibility_rules(embedded_framework(), variables)
    assert str(rules["awards"].range) == "[0, 50]" and rules["awards"].change_limit == 2.0 and rules["awards"].provenance.kind == "official"
    assert str(rules["staff"].range) == "(0, ∞)" and "default by unit" in str(rules["staff"].provenance)
    (tmp_path / "w.yaml").write_text(text.replace('"[0, 50]"', '"0-50"').replace("change_limit: 2", "change_limit: -1"), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_variables(tmp_path / "w.yaml")
    assert {p.field for p in exc.value.problems} >= {"valid_range", "change_limit"}
